//go:build cgo && !notreesitter

package treesitter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory/routes"
	"github.com/google/go-cmp/cmp"
)

type wantRoute struct {
	Method, Path, Handler, File string
	Line                        int
	Framework                   string
	Auth                        bool
}

var fixtureRoutes = map[string][]wantRoute{
	"express": {
		{"GET", "/health", "<anonymous>", "app.js", 11, "express", false},
		{"GET", "/ping", "<anonymous>", "app.js", 13, "express", true},
		{"GET", "/reports/:id", "getReport", "app.js", 22, "express", false},
		{"DELETE", "/reports/:id", "deleteReport", "app.js", 23, "express", true},
		{"GET", "/api/admin/status", "<anonymous>", "routes/admin.ts", 8, "express", false},
		{"POST", "/api/admin/backup", "<anonymous>", "routes/admin.ts", 14, "express", true},
		{"GET", "/api/admin/logs/:name", "<anonymous>", "routes/admin.ts", 20, "express", true},
		{"DELETE", "/api/admin/users/:id", "<anonymous>", "routes/admin.ts", 24, "express", true},
		{"GET", "/api/users", "<anonymous>", "routes/users.js", 7, "express", false},
		{"GET", "/api/users/search", "<anonymous>", "routes/users.js", 12, "express", false},
		{"GET", "/api/users/:id", "<anonymous>", "routes/users.js", 18, "express", false},
		{"POST", "/api/users", "<anonymous>", "routes/users.js", 24, "express", true},
	},
	"flask": {
		{"GET", "/", "index", "app.py", 15, "flask", false},
		{"GET", "/lookup", "lookup", "app.py", 20, "flask", true},
		{"POST", "/lookup", "lookup", "app.py", 20, "flask", true},
		{"GET", "/orders/<ref>", "get_order", "app.py", 28, "flask", false},
		{"POST", "/admin/backup", "backup", "blueprints/admin.py", 14, "flask", true},
		{"GET", "/api/users/", "list_users", "blueprints/users.py", 9, "flask", false},
		{"GET", "/api/users/<user_id>", "get_user", "blueprints/users.py", 16, "flask", true},
		{"POST", "/api/users/search", "search", "blueprints/users.py", 24, "flask", false},
	},
	"fastapi": {
		{"GET", "/health", "health", "main.py", 11, "fastapi", false},
		{"GET", "/api/items/", "list_items", "routers/items.py", 11, "fastapi", false},
		{"GET", "/api/items/search", "search_items", "routers/items.py", 16, "fastapi", false},
		{"GET", "/api/items/{item_id}", "read_item", "routers/items.py", 22, "fastapi", false},
		{"DELETE", "/api/items/{item_id}", "delete_item", "routers/items.py", 27, "fastapi", true},
		{"GET", "/api/users/me", "me", "routers/users.py", 11, "fastapi", true},
		{"GET", "/api/users/{user_id}", "get_user", "routers/users.py", 16, "fastapi", true},
	},
}

func toWant(rs []routes.Route) []wantRoute {
	out := make([]wantRoute, 0, len(rs))
	for _, r := range rs {
		if r.Auth == nil {
			panic("route without auth verdict")
		}
		out = append(out, wantRoute{r.Method, r.Path, r.Handler, r.File, r.Line, r.Framework, *r.Auth})
	}
	return out
}

func TestRoutesFixtures(t *testing.T) {
	for name, want := range fixtureRoutes {
		// The fixed twin serves exactly the same routes.
		for _, dir := range []string{name, name + "-fixed"} {
			t.Run(dir, func(t *testing.T) {
				rs, notes, err := Routes(context.Background(), filepath.Join("testdata", dir))
				if err != nil {
					t.Fatal(err)
				}
				if len(notes) != 0 {
					t.Errorf("notes = %q, want none", notes)
				}
				if diff := cmp.Diff(want, toWant(rs)); diff != "" {
					t.Errorf("Routes(%s) mismatch (-want +got):\n%s", dir, diff)
				}
			})
		}
	}
}

type wantFinding struct {
	Rule, File string
	Line       int
}

var fixtureFindings = map[string][]wantFinding{
	"express": {
		{RuleJSCmdi, "app.js", 15},
		{RuleJSSQLi, "app.js", 27},
		{RuleJSCmdi, "routes/admin.ts", 16},
		{RuleJSSQLi, "routes/admin.ts", 25},
		{RuleJSSQLi, "routes/users.js", 15},
		{RuleJSSQLi, "routes/users.js", 20},
	},
	"flask": {
		{RulePyCmdi, "app.py", 24},
		{RulePySQLi, "app.py", 31},
		{RulePyCmdi, "blueprints/admin.py", 17},
		{RulePySQLi, "blueprints/users.py", 20},
		{RulePySQLi, "blueprints/users.py", 29},
	},
	"fastapi": {
		{RulePySQLi, "routers/items.py", 18},
	},
}

func TestScanFixtures(t *testing.T) {
	for name, want := range fixtureFindings {
		t.Run(name, func(t *testing.T) {
			root := filepath.Join("testdata", name)
			run, err := Scan(context.Background(), root, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []wantFinding
			for _, f := range run.Findings {
				got = append(got, wantFinding{f.RuleID, f.Location.File, f.Location.Line})
				checkFinding(t, f)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Scan(%s) findings mismatch (-want +got):\n%s", name, diff)
			}
			if run.Engine != escarp.EngineCode || run.Target != root || len(run.Rules) != 4 || len(run.Notes) != 0 {
				t.Errorf("run = engine %q target %q, %d rules, notes %q", run.Engine, run.Target, len(run.Rules), run.Notes)
			}
			if run.Stats["files"] == 0 || run.FinishedAt.Before(run.StartedAt) {
				t.Errorf("stats = %v, started %v finished %v", run.Stats, run.StartedAt, run.FinishedAt)
			}
		})
		t.Run(name+"-fixed", func(t *testing.T) {
			run, err := Scan(context.Background(), filepath.Join("testdata", name+"-fixed"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range run.Findings {
				if f.Severity >= escarp.SeverityMedium {
					t.Errorf("fixed twin: %s at %s:%d: %s", f.RuleID, f.Location.File, f.Location.Line, f.Message)
				}
			}
		})
	}
}

// checkFinding checks the parts every finding must have.
func checkFinding(t *testing.T, f escarp.Finding) {
	t.Helper()
	ri := ruleInfo(f.RuleID)
	if f.Kind != escarp.KindSAST || f.Severity != ri.Severity || f.Title != ri.Title || len(f.CWE) != 1 ||
		f.Remediation == "" || !strings.Contains(f.Remediation, "```") || len(f.References) == 0 {
		t.Errorf("%s: incomplete finding: %+v", f.RuleID, f)
	}
	if f.Location.Snippet == "" || f.Location.Column == 0 || f.Hash != snippetHash(f.Location.Snippet) || len(f.Hash) != 32 {
		t.Errorf("%s:%d: snippet %q hash %q", f.Location.File, f.Location.Line, f.Location.Snippet, f.Hash)
	}
	if f.Fingerprint == "" || f.Fingerprint != escarp.Fingerprint(&f) {
		t.Errorf("%s:%d: fingerprint %q", f.Location.File, f.Location.Line, f.Fingerprint)
	}
	if len(f.Flows) != 1 || len(f.Flows[0]) < 2 {
		t.Fatalf("%s:%d: flows = %v", f.Location.File, f.Location.Line, f.Flows)
	}
	flow := f.Flows[0]
	if src := flow[0]; !strings.HasPrefix(src.Message, "request data") || src.File != f.Location.File || src.Line > f.Location.Line {
		t.Errorf("%s:%d: source step = %+v", f.Location.File, f.Location.Line, src)
	}
	if sink := flow[len(flow)-1]; sink.Line != f.Location.Line || !strings.HasPrefix(sink.Message, "sink: ") {
		t.Errorf("%s:%d: sink step = %+v", f.Location.File, f.Location.Line, sink)
	}
}

// TestFlowSteps checks the path source → variable → sink of one finding.
func TestFlowSteps(t *testing.T) {
	run, err := Scan(context.Background(), filepath.Join("testdata", "express"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range run.Findings {
		if f.Location.File == "routes/users.js" && f.Location.Line == 15 {
			for _, s := range f.Flows[0] {
				got = append(got, fmt.Sprintf("%d %s", s.Line, s.Message))
			}
		}
	}
	want := []string{
		"13 request data: req.query.q",
		"13 flows into `q`",
		"14 flows into `sql`",
		"15 sink: request data is built into the SQL text passed to `db.query`",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flow mismatch (-want +got):\n%s", diff)
	}
}

// TestTaint runs the analysis on small programs: each case is one file,
// and want lists the lines of the findings (rule ids checked by language).
func TestTaint(t *testing.T) {
	tests := []struct {
		name, file, src string
		want            []wantFinding
	}{
		{"js destructure and template", "a.js", `const cp = require('node:child_process');
app.get('/x', (rq, rs) => {
  const { name: n } = rq.query;
  cp.execSync(` + "`ls ${n}`" + `);
});`, []wantFinding{{RuleJSCmdi, "a.js", 4}}},
		{"js subscript source and augmented assignment", "a.js", `function h(req, res) {
  let sql = 'SELECT * FROM t WHERE a = ';
  sql += req.params['id'];
  pool.query(sql);
}`, []wantFinding{{RuleJSSQLi, "a.js", 4}}},
		{"js params only in the array", "a.js", `function h(req, res) {
  pool.query('SELECT * FROM t WHERE a = $1', [req.params.id]);
  pool.query({ text: 'SELECT $1', values: [req.body.x] });
  db.query(sql` + "`SELECT ${req.query.a}`" + `);
}`, nil},
		{"js object form with tainted text", "a.js", `function h(req, res) {
  pool.query({ text: 'SELECT * FROM t WHERE a = ' + req.body.x });
}`, []wantFinding{{RuleJSSQLi, "a.js", 2}}},
		{"js sanitizer", "a.js", `function h(req, res) {
  const id = parseInt(req.params.id, 10);
  db.query('SELECT * FROM t WHERE id = ' + id);
}`, nil},
		{"js promisified exec, ESM import", "a.mjs", `import { exec } from 'child_process';
import { promisify } from 'util';
const run = promisify(exec);
export async function h(req, res) {
  const out = await run('git log ' + req.headers['x-ref']);
}`, []wantFinding{{RuleJSCmdi, "a.mjs", 5}}},
		{"js execFile tainted program and spawn without shell", "a.js", `const { execFile, spawn } = require('child_process');
function h(req, res) {
  execFile(req.query.bin, ['-v']);
  spawn('ls', [req.query.dir]);
  spawn('ls', [req.query.dir], { shell: true });
  /x/.exec(req.query.y);
}`, []wantFinding{{RuleJSCmdi, "a.js", 3}, {RuleJSCmdi, "a.js", 5}}},
		{"js exec not from child_process", "a.js", `function h(req, res) { exec(req.query.cmd); re.exec(req.query.cmd); }`, nil},
		{"py format, percent, concat", "a.py", `from flask import request
import subprocess as sp
from os import system

def h():
    a = request.values.get("a")
    cur.executemany("INSERT INTO t VALUES (%s)" % a, [])
    q = "SELECT {}".format(request.cookies["c"])
    cur.execute(q)
    system("echo " + a)
    sp.Popen(["sh", "-c", a])
    sp.Popen([a, "x"])
    sp.run("ls " + a)
    eval(request.get_data())
`, []wantFinding{{RulePySQLi, "a.py", 7}, {RulePySQLi, "a.py", 9}, {RulePyCmdi, "a.py", 10}, {RulePyCmdi, "a.py", 12}, {RulePyCmdi, "a.py", 13}, {RulePyCmdi, "a.py", 14}}},
		{"py parameters and untainted", "a.py", `from flask import request

def h():
    a = request.args["a"]
    cur.execute("SELECT * FROM t WHERE a = %s", (a,))
    cur.execute("SELECT * FROM t WHERE a = ?", [a])
    n = int(a)
    cur.execute("SELECT * FROM t WHERE a = %d" % n)
    os.system("ls")

def not_a_view(x):
    cur.execute("SELECT %s" % x)
`, nil},
		{"typed route parameters are not text", "a.py", `import asyncio
@app.route("/u/<int:uid>/<name>")
def u(uid, name):
    cur.execute("SELECT %d" % uid)
    cur.execute("SELECT '%s'" % name)

@router.get("/i/{item_id}")
async def i(item_id: int, q: str):
    cur.execute(f"SELECT {item_id}")
    await asyncio.create_subprocess_shell("grep " + q)
`, []wantFinding{{RulePySQLi, "a.py", 5}, {RulePyCmdi, "a.py", 10}}},
		{"fastapi injected parameters are not input", "a.py", `from fastapi import APIRouter, Depends, Request
router = APIRouter()

@router.post("/x")
async def h(request: Request, db = Depends(get_db), name: str = ""):
    body = await request.json()
    db.execute(f"SELECT {body['a']}")
    db.execute(f"SELECT {db}")
    db.execute("SELECT " + name)
`, []wantFinding{{RulePySQLi, "a.py", 7}, {RulePySQLi, "a.py", 9}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			run, err := Scan(context.Background(), dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []wantFinding
			for _, f := range run.Findings {
				got = append(got, wantFinding{f.RuleID, f.Location.File, f.Location.Line})
				checkFinding(t, f)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings mismatch (-want +got):\n%s\nnotes: %q", diff, run.Notes)
			}
		})
	}
}

func TestRoutesForms(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("server.ts", `import express from 'express';
import * as v1 from './api/v1';
import orders from './api/orders';
const app = express();
app.use(authenticate);
app.use('/v1', v1.router);
app.use('/orders', orders);
app.all('/any', handler);
require('./legacy')(app, 'unused');
import mountMore from './more.mjs';
mountMore(app);
`)
	write("more.mjs", `export default function more(a) {
  a.patch('/more', h);
}
`)
	write("legacy.js", `module.exports = function mount(server) {
  server.get('/legacy', (q, s) => db.query('SELECT ' + q.query.a));
};
`)
	write("api/v1/index.ts", `import { Router } from 'express';
export const router = Router();
router.get('/items/:id', getItem);
`)
	write("api/orders.js", `const router = require('express').Router();
router.post('/', function createOrder(req, res) {});
module.exports = router;
`)
	write("node_modules/x/index.js", `const app = require('express')(); app.get('/nm', h);`)
	write("py/app.py", `from flask import Flask
from .bp import bp as child
app = Flask(__name__)
app.register_blueprint(child, url_prefix="/c/")
app.add_url_rule("/rule", view_func=rule_view, methods=["PUT"])
app.add_url_rule("/cls", view_func=UserAPI.as_view("users"))
`)
	write("py/fast.py", `from fastapi import FastAPI
api = FastAPI()
api.add_api_route("/ping", ping, methods=["GET", "HEAD"])
`)
	write("py/factory.py", `from flask import Flask
from py import views

def create_app():
    app = Flask(__name__)
    views.init_app(app)
    return app
`)
	write("py/views.py", `import os

def init_app(app):
    @app.route("/v/<name>")
    def show(name):
        os.system("cat " + name)
`)
	write("py/bp.py", `from flask import Blueprint
bp = Blueprint("bp", __name__)
@bp.route("")
def root(): pass
`)
	rs, _, err := Routes(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []wantRoute{
		{"POST", "/orders", "createOrder", "api/orders.js", 2, "express", true},
		{"GET", "/v1/items/:id", "getItem", "api/v1/index.ts", 3, "express", true},
		{"GET", "/legacy", "<anonymous>", "legacy.js", 2, "express", true},
		{"PATCH", "/more", "h", "more.mjs", 2, "express", true},
		{"PUT", "/rule", "rule_view", "py/app.py", 5, "flask", false},
		{"GET", "/cls", "UserAPI", "py/app.py", 6, "flask", false},
		{"GET", "/c/", "root", "py/bp.py", 3, "flask", false},
		{"GET", "/ping", "ping", "py/fast.py", 3, "fastapi", false},
		{"HEAD", "/ping", "ping", "py/fast.py", 3, "fastapi", false},
		{"GET", "/v/<name>", "show", "py/views.py", 4, "flask", false},
		{"ALL", "/any", "handler", "server.ts", 8, "express", true},
	}
	if diff := cmp.Diff(want, toWant(rs)); diff != "" {
		t.Errorf("Routes mismatch (-want +got):\n%s", diff)
	}
	// Handlers nested in a factory get their request parameters tainted.
	run, err := Scan(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []wantFinding
	for _, f := range run.Findings {
		got = append(got, wantFinding{f.RuleID, f.Location.File, f.Location.Line})
	}
	wantF := []wantFinding{{RuleJSSQLi, "legacy.js", 2}, {RulePyCmdi, "py/views.py", 6}}
	if diff := cmp.Diff(wantF, got); diff != "" {
		t.Errorf("Scan mismatch (-want +got):\n%s", diff)
	}
}

func TestJoinPath(t *testing.T) {
	tests := []struct{ fw, prefix, path, want string }{
		{"express", "/api/", "/", "/api"},
		{"express", "/api", "users", "/api/users"},
		{"express", "", "/x", "/x"},
		{"flask", "/api/", "/x", "/api/x"},
		{"flask", "/api", "/", "/api/"},
		{"flask", "/api", "", "/api"},
		{"fastapi", "/api/items", "/", "/api/items/"},
	}
	for _, tt := range tests {
		if got := joinPath(tt.fw, tt.prefix, tt.path); got != tt.want {
			t.Errorf("joinPath(%q, %q, %q) = %q, want %q", tt.fw, tt.prefix, tt.path, got, tt.want)
		}
	}
}

func TestSyntaxErrorNote(t *testing.T) {
	dir := t.TempDir()
	src := "function h(req, res) {\n  db.query('SELECT ' + req.query.a);\n}\nconst x = (;\nfunction {{\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.js"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := Scan(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Notes) != 1 || !strings.HasPrefix(run.Notes[0], "bad.js:4: syntax error") {
		t.Errorf("notes = %q, want one syntax error at bad.js:4", run.Notes)
	}
	if len(run.Findings) != 1 || run.Findings[0].Location.Line != 2 {
		t.Errorf("findings = %v, want the one before the error", run.Findings)
	}
	if run.Stats["parseErrors"] != 1 {
		t.Errorf("stats = %v", run.Stats)
	}
}

func TestScanErrors(t *testing.T) {
	_, err := Scan(context.Background(), filepath.Join(t.TempDir(), "missing"), Options{})
	var e *escarp.Error
	if !errors.As(err, &e) || e.Kind != escarp.Invalid {
		t.Errorf("missing root: err = %v, want an Invalid *escarp.Error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, filepath.Join("testdata", "express"), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
	if _, _, err := Routes(ctx, filepath.Join("testdata", "express")); !errors.Is(err, context.Canceled) {
		t.Errorf("Routes cancelled: err = %v, want context.Canceled", err)
	}
}

func TestExclude(t *testing.T) {
	run, err := Scan(context.Background(), filepath.Join("testdata", "express"), Options{Exclude: []string{"routes/**", "app.js"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Findings) != 0 || run.Stats["files"] != 2 {
		t.Errorf("excluded: %d findings, stats %v", len(run.Findings), run.Stats)
	}
	// One file as the root.
	run, err = Scan(context.Background(), filepath.Join("testdata", "express", "app.js"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Findings) != 2 || run.Findings[0].Location.File != "app.js" {
		t.Errorf("single file: %v", run.Findings)
	}
}

func TestRules(t *testing.T) {
	rs := Rules()
	if len(rs) != 4 {
		t.Fatalf("%d rules", len(rs))
	}
	for _, r := range rs {
		if !strings.HasPrefix(r.ID, "ESC-SAST-") || r.Title == "" || r.Description == "" || !strings.Contains(r.Remediation, "```") ||
			len(r.CWE) != 1 || r.Severity < escarp.SeverityHigh {
			t.Errorf("rule %+v incomplete", r)
		}
	}
	rs[0].CWE[0] = "changed"
	if Rules()[0].CWE[0] == "changed" {
		t.Error("Rules shares its slices with the package")
	}
	if !Available {
		t.Error("Available is false in the cgo build")
	}
}

// fixtureFiles returns the contents of every fixture file.
func fixtureFiles(tb testing.TB) map[string][]byte {
	out := map[string][]byte{}
	err := filepath.WalkDir("testdata", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if _, ok := langOf(p); ok {
			b, err := os.ReadFile(p)
			out[p] = b
			return err
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// FuzzParse parses arbitrary input in every language and runs both
// analyses on it: no panic, no hang.
func FuzzParse(f *testing.F) {
	for _, src := range fixtureFiles(f) {
		f.Add(src)
	}
	f.Add([]byte("app.get('/x', (req, res) => { exec(`${req.query.a}`) })"))
	f.Add([]byte("@app.route('/x')\ndef f(x):\n    os.system(f'{x}')\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, l := range []lang{langJS, langTS, langTSX, langPython} {
			name := map[lang]string{langJS: "f.js", langTS: "f.ts", langTSX: "f.tsx", langPython: "f.py"}[l]
			fl, err := parseFile(ctx, name, l, src)
			if err != nil {
				t.Fatal(err)
			}
			for _, fd := range analyzeFile(fl) {
				if fd.Location.Line < 1 || len(fd.Flows) != 1 {
					t.Fatalf("bad finding %+v", fd)
				}
			}
			p := &project{files: []*file{fl}, byRel: map[string]*file{name: fl}}
			g := newGraph(p)
			g.definitions(fl)
			g.bindings(fl)
			g.registrations(fl)
			for _, r := range g.resolve() {
				if r.Method == "" || r.File != name {
					t.Fatalf("bad route %+v", r)
				}
			}
		}
	})
}

func BenchmarkScan(b *testing.B) {
	files := len(fixtureFiles(b))
	dirs := []string{"express", "express-fixed", "flask", "flask-fixed", "fastapi", "fastapi-fixed"}
	b.ResetTimer()
	for b.Loop() {
		for _, d := range dirs {
			if _, err := Scan(context.Background(), filepath.Join("testdata", d), Options{}); err != nil {
				b.Fatal(err)
			}
			if _, _, err := Routes(context.Background(), filepath.Join("testdata", d)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(files*b.N)/b.Elapsed().Seconds(), "files/s")
}
