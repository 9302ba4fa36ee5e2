// Package threat derives a threat model from what escarp already knows and
// ranks what to fix first.
//
// [Derive] takes API descriptions, the inventory's endpoints (exposure,
// shadow and zombie state, observed data classes, auth middleware found in
// code routes) and the runs of other engines, and builds an
// [escarp.ThreatModel]:
//
//   - assets and trust boundaries: clients by security scheme and OAuth2
//     flow, the API's service, an inferred data store, third parties the
//     server fetches from, callback and webhook receivers, identity
//     providers;
//   - data assets with their confidentiality, from x-data-classification,
//     formats, property names and observed values (credentials, payment,
//     health and personal data);
//   - data flows with their protocol, authentication and authorization;
//   - the attack surface of every operation ([escarp.Surface]: exposure,
//     authentication and scopes, object ids, URL inputs, uploads, admin
//     functions, mass-assignable properties, money-moving writes, bulk
//     reads, deprecated-but-live);
//   - STRIDE threats per operation and per element, one [Class] each
//     (ESC-THREAT-<STRIDE>-NNN), mapped to the OWASP API Top 10 2023 and
//     CWE, with the mitigations escarp can see: a scan or audit rule that
//     ran and found nothing here, auth middleware in code routes, and the
//     findings that confirm a threat.
//
// # Risk
//
// Likelihood and impact are on Threagile's 4×4 scale; [Score] maps their
// product to 0–100 and [Band] to low, medium, elevated, high or critical.
// A description suggests at most "very likely": the top of the scale is
// reserved for threats a test of the running API (or its code) confirmed.
// Inherent risk ignores mitigations, current risk counts verified ones
// and confirmations, projected risk counts planned ones (tracking entries
// in progress or mitigated). The ranking orders operations by current
// risk, then by their most severe confirmed finding, then by the sum of
// their threats' risk, and says in one sentence why.
//
// Threats are findings of kind threat ([Result.Run]) whose fingerprint is
// the threat instance key (class and element) and whose severity is the
// band of their current risk, so the gate, baselines and suppressions
// handle them like any other finding.
package threat
