package treesitter

import "github.com/escarp/escarp"

// The rule ids this package reports.
const (
	RuleJSSQLi = "ESC-SAST-SQLI-002" // JavaScript/TypeScript SQL injection
	RuleJSCmdi = "ESC-SAST-CMDI-002" // JavaScript/TypeScript command injection
	RulePySQLi = "ESC-SAST-SQLI-003" // Python SQL injection
	RulePyCmdi = "ESC-SAST-CMDI-003" // Python command injection
)

var references = map[string][]string{
	"sqli": {
		"https://cwe.mitre.org/data/definitions/89.html",
		"https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html",
	},
	"cmdi": {
		"https://cwe.mitre.org/data/definitions/78.html",
		"https://cheatsheetseries.owasp.org/cheatsheets/OS_Command_Injection_Defense_Cheat_Sheet.html",
	},
}

// rules lists every rule, in id order.
var rules = []escarp.RuleInfo{
	{
		ID:    RuleJSSQLi,
		Title: "SQL injection (JavaScript/TypeScript)",
		Description: "Request data (`req.query`, `req.params`, `req.body`, headers or cookies) is built into " +
			"the text of a SQL query (concatenation or a template literal) passed to `query`, `execute`, " +
			"`raw` or `sequelize.query`. An attacker can change the query: read or modify any row, bypass " +
			"authorization, sometimes run commands on the database server.",
		Remediation: "Keep the SQL text constant and pass request data as bound parameters:\n\n" +
			"```js\n// mysql2 / sqlite: ? placeholders\nconst [rows] = await db.query('SELECT * FROM users WHERE id = ?', [req.params.id]);\n" +
			"// pg: $1 placeholders\nconst { rows } = await pool.query('SELECT * FROM users WHERE id = $1', [req.params.id]);\n" +
			"// knex\nawait knex.raw('SELECT * FROM users WHERE name = ?', [req.query.name]);\n```\n\n" +
			"Identifiers (column or table names) cannot be parameters: check them against a fixed allow-list.",
		Severity: escarp.SeverityCritical, OWASP: "API8:2023", CWE: []string{"CWE-89"},
		Tags: []string{"security", "javascript", "typescript", "injection"},
	},
	{
		ID:    RuleJSCmdi,
		Title: "OS command injection (JavaScript/TypeScript)",
		Description: "Request data reaches a shell command: `child_process.exec`/`execSync`, `spawn` with " +
			"`shell: true`, or `execFile`/`spawn` whose program is request data. Shell metacharacters " +
			"(`;`, `|`, `$(...)`) in the input run arbitrary commands on the server.",
		Remediation: "Run the program directly, without a shell, and pass request data as separate arguments " +
			"after validating it:\n\n" +
			"```js\nconst { execFile } = require('child_process');\n" +
			"if (!/^[a-zA-Z0-9.-]+$/.test(req.query.host)) return res.status(400).end();\n" +
			"execFile('ping', ['-c', '1', '--', req.query.host], (err, stdout) => res.send(stdout));\n```\n\n" +
			"Never use `exec`, `execSync` or `shell: true` with request data.",
		Severity: escarp.SeverityCritical, OWASP: "API8:2023", CWE: []string{"CWE-78"},
		Tags: []string{"security", "javascript", "typescript", "injection"},
	},
	{
		ID:    RulePySQLi,
		Title: "SQL injection (Python)",
		Description: "Request data (Flask `request.args`, `request.form`, `request.json`, view arguments; " +
			"FastAPI handler parameters) is built into the text of a SQL query with an f-string, `+`, `%` " +
			"or `.format` and passed to `execute`, `executemany` or `text()`. An attacker can change the " +
			"query: read or modify any row, bypass authorization.",
		Remediation: "Keep the SQL text constant and pass request data as parameters:\n\n" +
			"```python\n# DB-API (sqlite3: ?, psycopg: %s)\ncursor.execute(\"SELECT * FROM users WHERE id = ?\", (user_id,))\n\n" +
			"# SQLAlchemy\nfrom sqlalchemy import text\nsession.execute(text(\"SELECT * FROM users WHERE id = :id\"), {\"id\": user_id})\n```\n\n" +
			"Identifiers (column or table names) cannot be parameters: check them against a fixed allow-list.",
		Severity: escarp.SeverityCritical, OWASP: "API8:2023", CWE: []string{"CWE-89"},
		Tags: []string{"security", "python", "injection"},
	},
	{
		ID:    RulePyCmdi,
		Title: "OS command injection (Python)",
		Description: "Request data reaches a shell command or code evaluation: `os.system`, `os.popen`, " +
			"`subprocess.*` with `shell=True` or a command string built from request data, `eval` or " +
			"`exec`. Shell metacharacters in the input run arbitrary commands on the server.",
		Remediation: "Run the program directly with an argument list and no shell, after validating the input:\n\n" +
			"```python\nimport re, subprocess\n\nif not re.fullmatch(r\"[A-Za-z0-9.-]+\", host):\n    abort(400)\n" +
			"out = subprocess.run([\"ping\", \"-c\", \"1\", \"--\", host], capture_output=True, text=True, timeout=10)\n```\n\n" +
			"Never pass request data to `os.system`, `os.popen`, `shell=True`, `eval` or `exec`.",
		Severity: escarp.SeverityCritical, OWASP: "API8:2023", CWE: []string{"CWE-78"},
		Tags: []string{"security", "python", "injection"},
	},
}

// Rules returns every rule the package can report, in either build, for
// `escarp explain` and SARIF.
func Rules() []escarp.RuleInfo {
	out := make([]escarp.RuleInfo, len(rules))
	for i, r := range rules {
		r.CWE = append([]string(nil), r.CWE...)
		r.Tags = append([]string(nil), r.Tags...)
		out[i] = r
	}
	return out
}

func ruleInfo(id string) escarp.RuleInfo {
	for _, r := range rules {
		if r.ID == id {
			return r
		}
	}
	return escarp.RuleInfo{ID: id}
}
