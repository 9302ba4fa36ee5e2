package escarp

import "time"

// ReportSchemaVersion is the version of the canonical JSON report,
// MAJOR.MINOR: a minor version adds optional fields, a major one changes or
// removes fields.
//
// 1.1 added the optional sections of threat runs (ranking and threatModel)
// and of checklist runs (items).
const ReportSchemaVersion = "1.1"

// Report is the result of one escarp invocation: one [Run] per engine. Its
// JSON form is canonical; every other format is rendered from it.
type Report struct {
	SchemaVersion string    `json:"schemaVersion"`
	Tool          Tool      `json:"tool"`
	StartedAt     time.Time `json:"startedAt"`
	FinishedAt    time.Time `json:"finishedAt"`
	Runs          []*Run    `json:"runs"`
	// Items is the API Security Checklist as `escarp checklist` assessed
	// it; empty for other reports.
	Items []ChecklistItem `json:"items,omitempty"`
	// Ranking is a threat run's ranking of operations, highest risk first.
	Ranking []RankedOperation `json:"ranking,omitempty"`
	// ThreatModel is the model a threat run derived.
	ThreatModel *ThreatModel `json:"threatModel,omitempty"`
}

// ChecklistItem is one item of the API Security Checklist, assessed: pass,
// fail or unknown, with the evidence that decided it.
type ChecklistItem struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Section and Number cite the item in the original checklist.
	Section  string   `json:"section"`
	Number   int      `json:"number"`
	Status   string   `json:"status"`
	Evidence []string `json:"evidence"`
}

// Tool names the program that wrote a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	URI     string `json:"informationUri,omitempty"`
}

// Engine names, as found in [Run.Engine]. SARIF's automationDetails.id is
// "escarp/<engine>/".
const (
	EngineAudit   = "audit"
	EngineScan    = "scan"
	EngineCode    = "code"
	EngineMonitor = "monitor"
	EnginePolicy  = "policy"
	EngineThreat  = "threat"
)

// Run is what one engine found in one invocation.
type Run struct {
	Engine string `json:"engine"`
	// Target is the URL scanned or the path analysed; Spec the API
	// description used, as given by the user.
	Target     string    `json:"target,omitempty"`
	Spec       string    `json:"spec,omitempty"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
	// Rules describes every rule or check that ran, whether it found
	// anything or not (JUnit shows passing rules as passing cases).
	Rules    []RuleInfo `json:"rules"`
	Findings []Finding  `json:"findings"`
	// Dropped counts findings left out to respect an output limit.
	Dropped int `json:"dropped,omitempty"`
	// Score is the audit score, when the engine computes one.
	Score *Score `json:"score,omitempty"`
	// Stats holds counters such as "requests", "operations", "durationMs".
	Stats map[string]int64 `json:"stats,omitempty"`
	// Notes are messages for the reader (skipped checks, warnings).
	Notes []string `json:"notes,omitempty"`
}

// RuleInfo describes a rule or check, for reports and `escarp explain`.
type RuleInfo struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"` // what and why, Markdown
	Remediation string   `json:"remediation,omitempty"` // how to fix, Markdown
	Severity    Severity `json:"severity"`
	OWASP       string   `json:"owasp,omitempty"`
	CWE         []string `json:"cwe,omitempty"`
	HelpURI     string   `json:"helpUri,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	// Lesson is the `escarp learn` lesson that teaches the flaw, if any.
	Lesson string `json:"lesson,omitempty"`
}

// Score is an audit score: 0 to 100 overall and per theme.
type Score struct {
	Overall int            `json:"overall"`
	Themes  map[string]int `json:"themes,omitempty"`
	Formula string         `json:"formula,omitempty"`
}

// Counts returns the number of unsuppressed findings per severity across all
// runs of r.
func (r *Report) Counts() map[Severity]int {
	c := make(map[Severity]int)
	for _, run := range r.Runs {
		for i := range run.Findings {
			if run.Findings[i].Suppressed == nil {
				c[run.Findings[i].Severity]++
			}
		}
	}
	return c
}

// Findings returns every finding of every run, in run order.
func (r *Report) Findings() []Finding {
	var all []Finding
	for _, run := range r.Runs {
		all = append(all, run.Findings...)
	}
	return all
}
