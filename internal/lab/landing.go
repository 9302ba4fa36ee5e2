package lab

import (
	"html/template"
	"net/http"
)

var landing = template.Must(template.New("landing").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Quayside Marina — escarp lab</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#123}
h1{color:#0b4f6c}code,pre{background:#eef4f7;padding:.1rem .3rem;border-radius:4px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #cde;padding:.3rem;text-align:left;vertical-align:top}
.mode{display:inline-block;padding:.2rem .6rem;border-radius:1rem;color:#fff;background:{{if .Secure}}#2a7{{else}}#c33{{end}}}
</style></head><body>
<h1>⚓ Quayside Marina <span class="mode">{{if .Secure}}secure twin{{else}}vulnerable lab{{end}}</span></h1>
<p>Members book berths for their boats, pay, apply coupons and manage their profiles; the harbour master
(admin) runs the marina. {{if .Secure}}This is the hardened twin: the same API with every flaw fixed —
a scan should come back clean.{{else}}This API is <strong>deliberately vulnerable</strong>: {{len .Flaws}} flaws
covering the whole OWASP API Security Top 10 2023 are planted in it. It listens on loopback only.{{end}}</p>
<h2>Start here</h2>
<ul>
<li>The API description: <a href="/openapi.yaml">/openapi.yaml</a> (or <a href="/openapi.json">/openapi.json</a>).</li>
<li>Log in: <code>curl -s -X POST $LAB/api/v2/auth/login -H 'Content-Type: application/json' -d '{"username":"alice","password":"alice-sails-2026"}'</code></li>
<li>Then send <code>Authorization: Bearer &lt;access_token&gt;</code>.</li>
<li>Scan it: <code>escarp lab spec -o quayside.yaml</code>, then <code>escarp scan</code> with the identities below.</li>
</ul>
<h2>Members</h2>
<table><tr><th>username</th><th>password</th><th>role</th></tr>
{{range .Users}}<tr><td>{{.Username}}</td><td><code>{{.Password}}</code></td><td>{{.Role}}</td></tr>
{{end}}</table>
{{if not .Secure}}<h2>Lessons</h2>
<p>Each lesson is one planted flaw. The hints say where to look; <code>docs/lab.md</code> has the full walk-through.</p>
<table><tr><th>lesson</th><th>OWASP</th><th>where</th><th>hint</th></tr>
{{range .Flaws}}<tr class="lesson"><td>{{.Title}}</td><td>{{.OWASP}}</td><td><code>{{.Method}} {{.Path}}</code></td><td>{{.Hint}}</td></tr>
{{end}}</table>{{end}}
</body></html>
`))

func (l *Lab) handleLanding(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	landing.Execute(w, struct {
		Secure bool
		Users  []User
		Flaws  []Flaw
	}{l.secure, Users(), Flaws()})
}
