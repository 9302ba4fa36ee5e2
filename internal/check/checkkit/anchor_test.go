package checkkit

import "testing"

// TestAnchors: the literal prefilter never hides a match of the
// expressions it guards.
func TestAnchors(t *testing.T) {
	samples := []string{
		"goroutine 7 [running]:", "runtime error: index out of range", "panic: boom", "main.go:42",
		"at com.x.Y(Y.java:10)", `Exception in thread "main"`, "java.lang.NullPointerException",
		"Traceback (most recent call last)", `File "/x/app.py", line 3`, "at f (/srv/a.js:1:2)",
		"System.InvalidOperationException", " in Foo.cs:line 12", "Warning: x on line 3", "Stack trace: #0",
		"app.rb:3:in `x'", "/var/www/html/index.php", "Werkzeug Debugger", "Whitelabel Error Page", "DEBUG = True",
		"Django Version: 4", "Xdebug", "SQL logic error", "sqlite3.OperationalError", "SQLITE_ERROR",
		"unrecognized token: \"'\"", `near "x": syntax error`, "unterminated quoted string at or near", "pq: bad",
		"PG::SyntaxError", "psycopg2.errors", "SQLSTATE[42000]", "You have an error in your SQL syntax",
		"mysql_fetch_array", "Unclosed quotation mark", "quoted string not properly terminated", "ORA-00933",
		"Microsoft OLE DB Provider", "ODBC SQL Server Driver", "Incorrect syntax near", "JDBC", "org.hibernate.X",
		"SQLException", `{"ok": true, "name": "harbour"}`, "",
	}
	for _, s := range samples {
		b := []byte(s)
		want := ""
		if m := leaks.Find(b); m != nil {
			want = string(m)
		} else {
			want = sqlErrors.FindString(s)
		}
		if got := Leak(b); got != want {
			t.Errorf("Leak(%q) = %q, the expressions alone give %q", s, got, want)
		}
		if got, want := SQLError(b), sqlErrors.FindString(s); got != want {
			t.Errorf("SQLError(%q) = %q, want %q", s, got, want)
		}
	}
}
