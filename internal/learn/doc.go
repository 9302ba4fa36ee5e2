// Package learn is escarp's training pillar: the weakness catalogue that
// every rule's explanation draws on (why a class of flaw matters, secure
// code in Go, Node.js, Python and Java, references), the guided lessons on
// the vulnerable lab, the API Security Checklist assessment, and the
// security review list of a pull request.
//
// Everything here is escarp's own text. The checklist restates the items of
// shieldfy/API-Security-Checklist (MIT) in escarp's words and cites each
// original item by section and number.
package learn
