package checkkit

import (
	"bytes"
	"regexp"
	"strings"
)

// Denied reports whether a status is the usual "no" of an access control:
// 401, 403 or 404.
func Denied(status int) bool {
	return status == 401 || status == 403 || status == 404
}

// ErrorBody reports whether a 2xx body still says the request failed
// ({"error": ...}, "access denied", "not authorized", ...), as some APIs
// answer 200 with an error envelope.
func ErrorBody(body []byte) bool {
	l := leaves(body)
	if l == nil {
		s := strings.ToLower(string(body))
		return containsAny(s, deniedWords)
	}
	for _, lf := range l {
		k := strings.ToLower(lf.key)
		if (k == "error" || k == "errors") && lf.value != "" && lf.value != "false" && lf.value != "null" {
			return true
		}
		if (k == "success" || k == "ok") && lf.value == "false" {
			return true
		}
		if (k == "message" || k == "detail" || k == "error_description" || k == "title") && containsAny(strings.ToLower(lf.value), deniedWords) {
			return true
		}
	}
	return false
}

var deniedWords = []string{"forbidden", "not authorized", "unauthorized", "unauthorised", "access denied",
	"permission denied", "not allowed", "insufficient", "not found", "invalid token", "login required"}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// sqlErrors are database error messages that leak through responses.
var sqlErrors = regexp.MustCompile(`(?i)(SQL logic error|sqlite3?[._:]|SQLITE_ERROR|unrecognized token:|near "[^"]*": syntax error|unterminated quoted string at or near|syntax error at or near|syntax error at end of input|pq: |PG::SyntaxError|psycopg2?\.|SQLSTATE\[|You have an error in your SQL syntax|mysql_fetch|Warning: mysql|MySqlException|valid MySQL result|Unclosed quotation mark|quoted string not properly terminated|ORA-\d{5}|Microsoft OLE DB Provider|ODBC SQL Server Driver|SqlException|Incorrect syntax near|JDBC|org\.hibernate|SQLException)`)

// sqlAnchors are literals (lower case) of which every sqlErrors match
// contains one: a body without any is not matched against the expression,
// which costs far more than a substring search on large answers.
var sqlAnchors = []string{"sql", "unrecognized token:", "syntax error", "unterminated quoted string", "pq: ", "pg::",
	"psycopg", "unclosed quotation mark", "quoted string not properly terminated", "ora-", "ole db",
	"incorrect syntax near", "jdbc", "hibernate"}

// leakAnchors are the same for leaks.
var leakAnchors = []string{"goroutine", "runtime error: ", "panic: ", ".go:", ".java:", "exception", "java.lang.",
	"traceback (most recent call last)", ".py\", line", ".js:", ".ts:", ":line ", " on line ", "stack trace:",
	".rb:", "/home/", "/var/www/", "/usr/src/", "/srv/", "/opt/", "/app/", "werkzeug debugger",
	"whitelabel error page", "debug = true", "django version:", "xdebug"}

// anchored reports whether lower (a lower-cased body) holds one of anchors.
func anchored(lower []byte, anchors []string) bool {
	for _, a := range anchors {
		if bytes.Contains(lower, []byte(a)) {
			return true
		}
	}
	return false
}

// SQLError returns the first database error message in body, or "".
func SQLError(body []byte) string {
	return sqlError(body, bytes.ToLower(body))
}

func sqlError(body, lower []byte) string {
	if !anchored(lower, sqlAnchors) {
		return ""
	}
	return sqlErrors.FindString(string(body))
}

// leaks are signatures of internal detail in an answer.
var leaks = regexp.MustCompile(`goroutine \d+ \[[a-z ]+\]:|runtime error: |panic: |[\w./-]+\.go:\d+|` +
	`at [\w$.<>]+\([\w$]+\.java:\d+\)|Exception in thread "|java\.lang\.[A-Z]\w+(Exception|Error)|` +
	`Traceback \(most recent call last\)|File "[^"]+\.py", line \d+|` +
	`at [^\n()]+ \((?:/|[A-Z]:\\)[^)]+\.[jt]s:\d+:\d+\)|` +
	`System\.[A-Z]\w+Exception| in [^\n]+:line \d+|` +
	`(?:Fatal error|Parse error|Warning): [^\n]+ on line \d+|Stack trace:\s*#0|` +
	`\.rb:\d+:in |` +
	`(?:/home|/var/www|/usr/src|/srv|/opt|/app)/[\w./-]+\.(?:go|py|js|ts|java|rb|php|cs)\b|` +
	`Werkzeug Debugger|Whitelabel Error Page|DEBUG = True|Django Version:|Xdebug`)

// Leak returns the first sign of internal detail in body: a stack trace,
// a source path, a debug page or a database error; "" when there is none.
func Leak(body []byte) string {
	lower := bytes.ToLower(body)
	if anchored(lower, leakAnchors) {
		if m := leaks.Find(body); m != nil {
			return string(m)
		}
	}
	return sqlError(body, lower)
}
