// Package checkkit is the toolkit DAST checks share, the one place check
// families get common behaviour from (a family never imports a sibling
// family; see internal/houserules):
//
//   - preparing requests: [Prepare] (the one wrapper over
//     [check.Session.Prepare]) and [Inputs] for attack probes, which adds
//     optional inputs and keeps values from reaching third parties;
//   - choosing identities: [Prober], [Pair], [User], [Users], [Admin];
//   - sending: [Send], [As], [Fatal], timed probes ([SendTimed],
//     [Baseline], [DelayProbe]) and callback hits ([WaitHit]);
//   - the places of a request a probe can fill: [Point], [Points],
//     [URLPoints];
//   - comparing answers: [Similarity], [ShapeSimilarity], [Shared],
//     [Substantial], [Denied], [ErrorBody], [Leak], [SQLError];
//   - reading objects back: [Op], [Reader], [Fresh], [SelfID], [CreatedID];
//   - editing JSON bodies and reading schemas: [WithFields], [Object],
//     [Lookup], [Properties], [RequestSchema], [ResponseSchema];
//   - building findings: [Finding].
//
// Everything here is a pure function of its arguments or a thin wrapper
// over [check.Session]; it holds no state (time-based probes of a process
// are serialized, see [DelayProbe]).
package checkkit
