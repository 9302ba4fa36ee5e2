// Package inventory keeps one catalogue of every API and endpoint, from
// every source: API descriptions, code routes, recorded traffic and active
// probing. Sources yield [escarp.Observation] values; [Inventory.Import]
// resolves each to a service, templates raw paths ([Templater]), merges
// them into endpoints keyed by (service, method, path template) and
// classifies every endpoint as documented, shadow, zombie, orphan or rogue
// (the definitions of reference/inventory-monitoring.md).
//
// Templating decisions the user makes (pin a literal path, force a
// template) are stored and applied on every later import, so a
// recomputation never undoes them.
package inventory
