package learn

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/escarp/escarp/internal/specdiff"
)

// ReviewItem is one thing a reviewer should check in a pull request: what
// the change does ("adds PUT /orders/{id}") and the question it raises.
type ReviewItem struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Change is "added" or "changed".
	Change string `json:"change"`
	// Fact is the attack-surface fact the item is about ("object id
	// path:id", "URL input body:/callback_url").
	Fact  string `json:"fact"`
	Check string `json:"check"`
	// Rule is the escarp rule that tests the class of flaw; Lesson the
	// lesson that teaches it, if any.
	Rule   string `json:"rule,omitempty"`
	Lesson string `json:"lesson,omitempty"`
}

// Review is the security review list of a change.
type Review struct {
	Summary string       `json:"summary"`
	Items   []ReviewItem `json:"items"`
	// Removed lists operations the change removes ("DELETE /boats/{id}"):
	// clients and the inventory must follow.
	Removed []string `json:"removed,omitempty"`
	// RiskAdded and RiskRemoved come from the threat model of both
	// versions.
	RiskAdded   int `json:"riskAdded"`
	RiskRemoved int `json:"riskRemoved"`
}

// reviewRule says what to check for a kind of fact: the fact's prefix, the
// question (with %s for the fact's detail), the rule that tests it.
type reviewRule struct {
	prefix, check, rule, class string
}

var reviewRules = []reviewRule{
	{"object id ", "check the caller owns the object named by `%s`: look it up within the caller's scope and answer 404 otherwise", "ESC-DAST-BOLA-001", "object-authz"},
	{"URL input ", "`%s` is a URL the server uses: check it against an allow-list of hosts, refuse internal addresses, follow no redirects", "ESC-DAST-SSRF-001", "ssrf"},
	{"host or command input ", "`%s` reaches a tool: no shell, a validated value and `--` before it", "ESC-DAST-INJ-003", "command-injection"},
	{"file input ", "`%s` names a file: confine it to its directory (os.Root, or resolve and check the prefix)", "ESC-DAST-INJ-005", "file-access"},
	{"template input ", "`%s` looks like a template: never render the caller's text as a template, only as data", "ESC-DAST-INJ-004", "code-injection"},
	{"pattern input ", "`%s` is a pattern: bound its length and use a linear-time engine (no catastrophic backtracking)", "ESC-DAST-RATE-004", "resource"},
	{"mass-assignable ", "`%s` looks server-owned: bind only the fields a caller may set (a DTO, unknown fields refused)", "ESC-DAST-PROP-001", "property-authz"},
	{"anonymous", "the operation needs no credentials: confirm it is meant to be public, and that it returns nothing private", "ESC-DAST-AUTHN-001", "authentication"},
	{"admin function", "an administrative function: check the role on the server, for every method of the path", "ESC-DAST-BFLA-001", "function-authz"},
	{"money-moving", "moves money or quantities: enforce amounts, signs and one-time use on the server, atomically", "ESC-DAST-FLOW-003", "business-flow"},
	{"business flow step", "a step of a flow: enforce the state machine on the server, so a step cannot be skipped or replayed", "ESC-DAST-FLOW-001", "business-flow"},
	{"upload", "an upload: limit its size, check its type by content, store it outside the web root", "ESC-INPUT-013", "file-access"},
	{"XML body", "takes XML: parse with external entities and DTDs disabled", "ESC-DAST-INJ-006", "parsers"},
	{"bulk read", "returns collections: bound the page size on the server and page by default", "ESC-DAST-RATE-002", "resource"},
	{"credentials in URL", "credentials travel in the URL, where logs keep them: move them to a header or the body", "ESC-DAST-AUTHN-007", "authentication"},
	{"takes credentials", "takes credentials: limit attempts per account and per client, and answer the same for unknown users and wrong passwords", "ESC-DAST-AUTHN-009", "authentication"},
	{"deprecated", "deprecated: give it a Sunset date and a successor, and plan when it stops answering", "ESC-INV-004", "inventory"},
}

// ReviewOf turns a spec diff into the review list: one item per
// attack-surface fact an added or changed operation gains.
func ReviewOf(d *specdiff.Result) *Review {
	r := &Review{Summary: d.Summary(), RiskAdded: d.RiskAdded, RiskRemoved: d.RiskRemoved}
	for _, c := range d.Operations {
		switch c.Kind {
		case specdiff.Removed:
			r.Removed = append(r.Removed, c.Key())
			continue
		case specdiff.Added:
			facts := specdiff.Facts(c.After)
			r.Items = append(r.Items, reviewItems(c, facts)...)
		default:
			r.Items = append(r.Items, reviewItems(c, c.Gained)...)
		}
	}
	return r
}

func reviewItems(c specdiff.Change, facts []string) []ReviewItem {
	var out []ReviewItem
	for _, f := range facts {
		for _, rr := range reviewRules {
			if !strings.HasPrefix(f, rr.prefix) {
				continue
			}
			detail := strings.TrimSpace(strings.TrimPrefix(f, rr.prefix))
			check := rr.check
			if strings.Contains(check, "%s") {
				check = fmt.Sprintf(check, detail)
			}
			it := ReviewItem{Method: c.Method, Path: c.Path, Change: c.Kind, Fact: f, Check: check, Rule: rr.rule}
			if l := LessonFor(rr.rule, ClassByID(rr.class)); l != nil {
				it.Lesson = l.ID
			}
			out = append(out, it)
			break
		}
	}
	return out
}

// WriteMarkdown writes the review as a pull-request comment: the summary,
// then a task list per operation.
func (r *Review) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "## Security review\n\n%s\n", r.Summary)
	if r.RiskAdded > 0 || r.RiskRemoved > 0 {
		fmt.Fprintf(bw, "\nRisk added %d, removed %d (escarp threat).\n", r.RiskAdded, r.RiskRemoved)
	}
	if len(r.Items) == 0 && len(r.Removed) == 0 {
		fmt.Fprintf(bw, "\nNothing in this change adds attack surface that needs a security review.\n")
		return bw.Flush()
	}
	op := ""
	for _, it := range r.Items {
		if k := it.Method + " " + it.Path; k != op {
			op = k
			verb := "Adds"
			if it.Change == specdiff.Changed {
				verb = "Changes"
			}
			fmt.Fprintf(bw, "\n### %s `%s`\n\n", verb, op)
		}
		fmt.Fprintf(bw, "- [ ] %s", upperFirst(it.Check))
		if it.Rule != "" {
			fmt.Fprintf(bw, " (`escarp explain %s`", it.Rule)
			if it.Lesson != "" {
				fmt.Fprintf(bw, ", lesson `escarp learn show %s`", it.Lesson)
			}
			bw.WriteString(")")
		}
		bw.WriteString("\n")
	}
	if len(r.Removed) > 0 {
		fmt.Fprintf(bw, "\n### Removed\n\n")
		for _, k := range r.Removed {
			fmt.Fprintf(bw, "- [ ] `%s` is gone: retire it in the gateway and the inventory so it stops answering, and tell its clients\n", k)
		}
	}
	return bw.Flush()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	if s[0] == '`' {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
