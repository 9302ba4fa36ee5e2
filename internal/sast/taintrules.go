package sast

import "github.com/escarp/escarp"

// taintRule is one of escarp's own taint rules.
type taintRule struct {
	info escarp.RuleInfo
	what string // "SQL injection", used in messages
	// gosec lists the gosec rules reporting the same flaw, merged into
	// escarp's finding at the same line.
	gosec []string
}

// The taint rules, in id order.
var (
	ruleSQLI = &taintRule{what: "SQL injection", gosec: []string{"G701", "G201", "G202"}, info: escarp.RuleInfo{
		ID: "ESC-SAST-SQLI-001", Title: "SQL injection from request data",
		Description: "HTTP request data reaches the query text of a `database/sql`, pgx, sqlx or gorm call. An attacker can change the query: read or modify any row, bypass authentication, sometimes run commands on the database server.",
		Remediation: "Keep the query text constant and pass request values as arguments:\n\n```go\nrow := db.QueryRowContext(ctx, \"SELECT id, name FROM users WHERE name = ?\", name)\n```\n\nIdentifiers that cannot be parameters (an `ORDER BY` column) must come from an allow-list:\n\n```go\ncols := map[string]string{\"name\": \"name\", \"id\": \"id\"}\ncol, ok := cols[req.Sort]\nif !ok { col = \"id\" }\n```",
		Severity:    escarp.SeverityCritical, CWE: []string{"CWE-89"},
		HelpURI: "https://cwe.mitre.org/data/definitions/89.html", Tags: []string{"security", "go", "taint", "injection"},
	}}
	ruleCMDI = &taintRule{what: "command injection", gosec: []string{"G702", "G204"}, info: escarp.RuleInfo{
		ID: "ESC-SAST-CMDI-001", Title: "OS command injection from request data",
		Description: "HTTP request data reaches the program or arguments of `os/exec`. Through a shell (`sh -c`) an attacker runs any command; even without one, an argument starting with `-` can change what the program does.",
		Remediation: "Never build shell command lines from input. Run a fixed program without a shell, validate each argument against an allow-list or a strict pattern, and end options with `--`:\n\n```go\nif !hostRE.MatchString(host) { return errBadHost }\nout, err := exec.CommandContext(ctx, \"ping\", \"-c\", \"1\", \"--\", host).Output()\n```",
		Severity:    escarp.SeverityCritical, CWE: []string{"CWE-78"},
		HelpURI: "https://cwe.mitre.org/data/definitions/78.html", Tags: []string{"security", "go", "taint", "injection"},
	}}
	rulePATH = &taintRule{what: "path traversal", gosec: []string{"G703", "G304"}, info: escarp.RuleInfo{
		ID: "ESC-SAST-PATH-001", Title: "Path traversal from request data",
		Description: "HTTP request data reaches a file path opened, written or removed by `os`. With `../` or an absolute path an attacker reads or destroys files outside the intended directory.",
		Remediation: "Clean the name, join it under the base directory and check that the result stays inside it, or open files through `os.Root`:\n\n```go\np := filepath.Join(base, filepath.Clean(\"/\"+name))\nif !strings.HasPrefix(p, base+string(filepath.Separator)) { return errBadPath }\nb, err := os.ReadFile(p)\n```",
		Severity:    escarp.SeverityHigh, CWE: []string{"CWE-22"},
		HelpURI: "https://cwe.mitre.org/data/definitions/22.html", Tags: []string{"security", "go", "taint"},
	}}
	ruleSSRF = &taintRule{what: "server-side request forgery", gosec: []string{"G704", "G107"}, info: escarp.RuleInfo{
		ID: "ESC-SAST-SSRF-001", Title: "Server-side request forgery from request data",
		Description: "HTTP request data chooses the URL of an outbound request. An attacker makes the server call internal services, cloud metadata endpoints or arbitrary hosts.",
		Remediation: "Parse the URL and accept only allowed schemes and hosts:\n\n```go\nu, err := url.Parse(raw)\nif err != nil || u.Scheme != \"https\" || u.Host != \"hooks.example.com\" { return errBadURL }\nresp, err := client.Get(u.String())\n```\n\nAlso block redirects to other hosts and private address ranges at dial time.",
		Severity:    escarp.SeverityHigh, CWE: []string{"CWE-918"}, OWASP: "API7:2023",
		HelpURI: "https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/", Tags: []string{"security", "go", "taint", "ssrf"},
	}}
	ruleXSS = &taintRule{what: "cross-site scripting", gosec: []string{"G705", "G203"}, info: escarp.RuleInfo{
		ID: "ESC-SAST-XSS-001", Title: "Cross-site scripting from request data",
		Description: "HTTP request data is written into an HTML response without escaping (or converted to `template.HTML`, which disables html/template's escaping). An attacker runs script in the victim's browser.",
		Remediation: "Render HTML with html/template and pass input as plain data, or escape it:\n\n```go\nfmt.Fprintf(w, \"<h1>Hello %s</h1>\", html.EscapeString(name))\n```\n\nAPIs should answer JSON with `Content-Type: application/json`.",
		Severity:    escarp.SeverityMedium, CWE: []string{"CWE-79"},
		HelpURI: "https://cwe.mitre.org/data/definitions/79.html", Tags: []string{"security", "go", "taint", "xss"},
	}}
	ruleREDIRECT = &taintRule{what: "open redirect", gosec: []string{"G710"}, info: escarp.RuleInfo{
		ID: "ESC-SAST-REDIRECT-001", Title: "Open redirect from request data",
		Description: "HTTP request data chooses the target of a redirect. An attacker sends victims through a trusted link to a phishing site, or leaks tokens to another origin.",
		Remediation: "Redirect only to local paths or to allowed hosts:\n\n```go\nu, err := url.Parse(next)\nif err != nil || u.Host != \"\" || !strings.HasPrefix(u.Path, \"/\") { next = \"/\" }\nhttp.Redirect(w, r, next, http.StatusFound)\n```",
		Severity:    escarp.SeverityMedium, CWE: []string{"CWE-601"},
		HelpURI: "https://cwe.mitre.org/data/definitions/601.html", Tags: []string{"security", "go", "taint"},
	}}
)

// taintRules lists escarp's taint rules.
var taintRules = []*taintRule{ruleSQLI, ruleCMDI, rulePATH, ruleSSRF, ruleXSS, ruleREDIRECT}

// Rules describes every rule Scan can report: escarp's taint rules, then
// every gosec rule and analyzer.
func Rules() []escarp.RuleInfo {
	out := make([]escarp.RuleInfo, 0, len(taintRules)+64)
	for _, r := range taintRules {
		out = append(out, r.info)
	}
	return append(out, gosecRuleInfos()...)
}

// sinkSpec says which parameters of a call are sinks. Indexes count the
// declared parameters (0 is the first after the receiver); -1 is the
// receiver.
type sinkSpec struct {
	rule *taintRule
	args []int
	// text, for parameters of type any, makes the argument a sink only
	// when a string is passed: gorm's Where(&User{...}) is parameterized,
	// Where("name = '" + name + "'") is not.
	text bool
}

const (
	pkgHTTP  = "net/http"
	pkgGin   = "github.com/gin-gonic/gin"
	pkgEcho  = "github.com/labstack/echo/v4"
	pkgChi   = "github.com/go-chi/chi/v5"
	pkgMux   = "github.com/gorilla/mux"
	pkgFiber = "github.com/gofiber/fiber/v2"
	pkgPgx   = "github.com/jackc/pgx/v5"
	pkgSqlx  = "github.com/jmoiron/sqlx"
	pkgGorm  = "gorm.io/gorm"
)

// sinks maps callee keys (see calleeKey) to sinks.
var sinks = func() map[string]sinkSpec {
	m := map[string]sinkSpec{}
	for _, recv := range []string{"*database/sql.DB", "*database/sql.Tx", "*database/sql.Conn"} {
		for _, name := range []string{"Query", "QueryRow", "Exec", "Prepare"} {
			m["("+recv+")."+name] = sinkSpec{rule: ruleSQLI, args: []int{0}}
			m["("+recv+")."+name+"Context"] = sinkSpec{rule: ruleSQLI, args: []int{1}}
		}
	}
	// SQL libraries over or beside database/sql: pgx, sqlx, gorm.
	for _, recv := range []string{"*" + pkgPgx + ".Conn", pkgPgx + ".Tx", "*" + pkgPgx + "/pgxpool.Pool", "*" + pkgPgx + "/pgxpool.Conn"} {
		for _, name := range []string{"Query", "QueryRow", "Exec"} {
			m["("+recv+")."+name] = sinkSpec{rule: ruleSQLI, args: []int{1}}
		}
	}
	for _, recv := range []string{"*" + pkgSqlx + ".DB", "*" + pkgSqlx + ".Tx"} {
		for name, arg := range map[string]int{"Select": 1, "Get": 1, "SelectContext": 2, "GetContext": 2, "Queryx": 0,
			"QueryRowx": 0, "QueryxContext": 1, "QueryRowxContext": 1, "MustExec": 0, "MustExecContext": 1,
			"NamedExec": 0, "NamedQuery": 0, "NamedExecContext": 1} {
			m["("+recv+")."+name] = sinkSpec{rule: ruleSQLI, args: []int{arg}}
		}
	}
	for _, name := range []string{"Raw", "Exec"} {
		m["(*"+pkgGorm+".DB)."+name] = sinkSpec{rule: ruleSQLI, args: []int{0}}
	}
	for _, name := range []string{"Where", "Or", "Not", "Order", "Group", "Having", "Joins"} {
		m["(*"+pkgGorm+".DB)."+name] = sinkSpec{rule: ruleSQLI, args: []int{0}, text: true}
	}
	m["os/exec.Command"] = sinkSpec{rule: ruleCMDI, args: []int{0, 1}}
	m["os/exec.CommandContext"] = sinkSpec{rule: ruleCMDI, args: []int{1, 2}}
	for _, f := range []string{"Open", "OpenFile", "ReadFile", "WriteFile", "Create", "Remove", "RemoveAll", "Mkdir", "MkdirAll", "ReadDir", "Truncate", "Chmod"} {
		m["os."+f] = sinkSpec{rule: rulePATH, args: []int{0}}
	}
	m["net/http.ServeFile"] = sinkSpec{rule: rulePATH, args: []int{2}}
	for _, f := range []string{"Get", "Post", "Head", "PostForm"} {
		m["net/http."+f] = sinkSpec{rule: ruleSSRF, args: []int{0}}
		m["(*net/http.Client)."+f] = sinkSpec{rule: ruleSSRF, args: []int{0}}
	}
	m["net/http.NewRequest"] = sinkSpec{rule: ruleSSRF, args: []int{1}}
	m["net/http.NewRequestWithContext"] = sinkSpec{rule: ruleSSRF, args: []int{2}}
	m["(*net/http.Client).Do"] = sinkSpec{rule: ruleSSRF, args: []int{0}}
	m["fmt.Fprintf"] = sinkSpec{rule: ruleXSS, args: []int{1, 2}}
	m["fmt.Fprint"] = sinkSpec{rule: ruleXSS, args: []int{1}}
	m["fmt.Fprintln"] = sinkSpec{rule: ruleXSS, args: []int{1}}
	m["io.WriteString"] = sinkSpec{rule: ruleXSS, args: []int{1}}
	m["(net/http.ResponseWriter).Write"] = sinkSpec{rule: ruleXSS, args: []int{0}}
	m["net/http.Redirect"] = sinkSpec{rule: ruleREDIRECT, args: []int{2}}
	m["(*"+pkgGin+".Context).Redirect"] = sinkSpec{rule: ruleREDIRECT, args: []int{1}}
	m["("+pkgEcho+".Context).Redirect"] = sinkSpec{rule: ruleREDIRECT, args: []int{1}}
	m["(*"+pkgFiber+".Ctx).Redirect"] = sinkSpec{rule: ruleREDIRECT, args: []int{0}}
	return m
}()

// xssWriters are the sinks that are XSS only when they write to an
// http.ResponseWriter (their first argument).
var xssWriters = map[string]bool{"fmt.Fprintf": true, "fmt.Fprint": true, "fmt.Fprintln": true, "io.WriteString": true}

// sourceCalls are calls whose result is request data.
var sourceCalls = func() map[string]bool {
	m := map[string]bool{}
	add := func(recv string, names ...string) {
		for _, n := range names {
			if recv == "" {
				m[n] = true
			} else {
				m["("+recv+")."+n] = true
			}
		}
	}
	add("*net/http.Request", "FormValue", "PostFormValue", "PathValue", "Cookie", "Cookies", "CookiesNamed", "Referer", "UserAgent", "FormFile", "MultipartReader", "BasicAuth")
	add("*"+pkgGin+".Context", "Query", "DefaultQuery", "GetQuery", "QueryArray", "GetQueryArray", "QueryMap", "Param", "PostForm", "DefaultPostForm", "GetPostForm", "PostFormArray", "GetHeader", "Cookie", "GetRawData", "FormFile")
	add(pkgEcho+".Context", "QueryParam", "QueryParams", "QueryString", "Param", "ParamValues", "FormValue", "FormParams", "Cookie", "Cookies", "FormFile")
	add("*"+pkgFiber+".Ctx", "Query", "Queries", "Params", "AllParams", "Get", "Cookies", "FormValue", "Body", "BodyRaw", "FormFile")
	add("", pkgChi+".URLParam", pkgChi+".URLParamFromCtx", pkgMux+".Vars")
	return m
}()

// fillers decode request data into the pointer they get (parameter index).
var fillers = func() map[string]int {
	m := map[string]int{}
	for _, n := range []string{"ShouldBindJSON", "BindJSON", "Bind", "ShouldBind", "ShouldBindQuery", "BindQuery", "ShouldBindUri", "BindUri", "ShouldBindWith", "ShouldBindHeader", "BindHeader", "ShouldBindXML", "BindXML"} {
		m["(*"+pkgGin+".Context)."+n] = 0
	}
	m["("+pkgEcho+".Context).Bind"] = 0
	for _, n := range []string{"BodyParser", "QueryParser", "ParamsParser", "ReqHeaderParser", "CookieParser"} {
		m["(*"+pkgFiber+".Ctx)."+n] = 0
	}
	return m
}()

// requestFields are the fields of net/http.Request holding request data.
var requestFields = map[string]bool{"URL": true, "Header": true, "Body": true, "Form": true, "PostForm": true,
	"MultipartForm": true, "Host": true, "RequestURI": true, "Trailer": true}

// sanitizers return values that are safe for every sink.
var sanitizers = map[string]bool{
	"net/url.QueryEscape": true, "net/url.PathEscape": true, "html.EscapeString": true,
	"html/template.HTMLEscapeString": true, "html/template.JSEscapeString": true, "html/template.URLQueryEscaper": true,
	"html/template.HTMLEscaper": true, "path/filepath.Base": true, "path.Base": true,
	"strconv.Atoi": true, "strconv.ParseInt": true, "strconv.ParseUint": true, "strconv.ParseFloat": true, "strconv.ParseBool": true,
	"strconv.Itoa": true, "strconv.FormatInt": true,
}
