package learn

import (
	"bytes"
	"html/template"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/lab"
)

// CourseHTML renders every lesson on one self-contained HTML page (no
// script, no CDN), with the curl commands aimed at the lab at base.
func CourseHTML(base string) ([]byte, error) {
	type lessonView struct {
		Lesson
		N         int
		OWASPName string
		Class     *Class
		Curl      string
		Source    []*lab.Excerpt
		Verify    string
	}
	var views []lessonView
	for i, l := range Lessons() {
		src, err := l.Source()
		if err != nil {
			return nil, err
		}
		views = append(views, lessonView{Lesson: l, N: i + 1, OWASPName: escarp.OWASPTop10[l.OWASP], Class: ClassByID(l.Class),
			Curl: l.Curl(base), Source: src, Verify: l.VerifyCommand()})
	}
	var buf bytes.Buffer
	if err := courseTmpl.Execute(&buf, struct {
		Base    string
		Lessons []lessonView
	}{base, views}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var courseTmpl = template.Must(template.New("course").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>escarp course: API security on the Quayside Marina lab</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.7rem}h2{margin-top:2.5rem;border-top:1px solid #d0d7de;padding-top:1.2rem}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.8rem;overflow-x:auto;font-size:.85rem;line-height:1.4}
.tag{display:inline-block;background:#ddf4ff;border-radius:1rem;padding:0 .6rem;font-size:.85rem;margin-right:.4rem}
.fix pre{background:#dafbe1;border-color:#4ac26b}nav ol{columns:2}
</style></head><body>
<h1>API security, one flaw at a time</h1>
<p>Each lesson exploits one flaw of escarp's deliberately vulnerable lab (start it with <code>escarp lab</code>;
the commands below aim at <code>{{.Base}}</code>), shows the vulnerable code and the secure twin's fix, and
verifies the fix with a scan. Progress: <code>escarp learn status</code>.</p>
<nav><ol>{{range .Lessons}}<li><a href="#{{.ID}}">{{.Title}}</a></li>{{end}}</ol></nav>
{{range .Lessons}}
<section class="lesson" id="{{.ID}}">
<h2>{{.N}}. {{.Title}}</h2>
<p><span class="tag">{{.OWASP}} {{.OWASPName}}</span><span class="tag">lab flaw {{.Flaw}}</span></p>
<p>{{.What}}</p>
{{with .Class}}<h3>Why it matters</h3><p>{{.Why}}</p>{{end}}
<h3>1. Exploit it</h3>
<pre class="exploit">{{.Curl}}</pre>
<h3>2. Read the vulnerable code</h3>
{{range .Source}}<p><code>internal/lab/{{.File}}:{{.Line}}</code></p><pre>{{.Code}}</pre>{{end}}
<h3>3. Apply the fix</h3>
<div class="fix"><p>The secure twin takes these branches:</p>
{{range .Source}}{{range .Fixes}}<pre>{{.}}</pre>{{end}}{{end}}
{{with .Class}}{{range .Examples}}<p>In {{.Framework}} ({{.Language}}):</p><pre>{{.Code}}</pre>{{end}}{{end}}</div>
<h3>4. Verify</h3>
<p>Against the twin (<code>escarp lab --secure --addr 127.0.0.1:8889</code>):
<code>escarp learn verify {{.ID}} --url http://127.0.0.1:8889</code>, which runs the exploit and
<code>{{.Verify}}</code>; both must come back clean.</p>
</section>
{{end}}
</body></html>
`))
