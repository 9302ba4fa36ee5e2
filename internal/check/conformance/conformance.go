package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// declared returns the response the operation declares for status
// (exact, range such as 4XX, or default), or nil.
func declared(op *escarp.Operation, status int) *escarp.Response {
	s := strconv.Itoa(status)
	if r := op.Response(s); r != nil {
		return r
	}
	if r := op.Response(s[:1] + "XX"); r != nil {
		return r
	}
	return op.Response("default")
}

// throttled reports answers that depend on the scan, not on the API
// contract: rate limiting and maintenance.
func throttled(r *check.Response) bool {
	return r.Status == http.StatusTooManyRequests ||
		r.Status == http.StatusServiceUnavailable && r.Header.Get("Retry-After") != ""
}

// Status is ESC-DAST-SPEC-001: undeclared status code.
type Status struct{}

var _ check.Check = (*Status)(nil)

// Info returns the check's metadata.
func (c *Status) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-SPEC-001",
		Title:    "Undeclared response status",
		Severity: escarp.SeverityLow,
		OWASP:    "API9:2023",
		CWE:      []string{"CWE-1059"},
		Description: "Sends a valid request to each operation and reports when the status is not declared (exactly, as a range " +
			"such as 4XX, or by default), twice in a row. Answers that depend on the scan rather than on the contract are left out: " +
			"401 and 403 (identity), 404 (a resource removed meanwhile), 429 and 503 with Retry-After (throttling), and 5xx " +
			"(reported by ESC-DAST-SPEC-003).",
		Remediation: "Declare every status the operation returns, or make the implementation return the declared one:\n\n" +
			"```yaml\nresponses:\n  \"201\": {description: Created}\n  \"409\": {description: Already exists}\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
			"https://spec.openapis.org/oas/v3.1.0#responses-object",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Mutating: true},
	}
}

func undeclared(op *escarp.Operation, r *check.Response) bool {
	switch {
	case r == nil, throttled(r), r.Status >= 500, r.Status == 401, r.Status == 403, r.Status == 404:
		return false
	}
	return declared(op, r.Status) == nil
}

// Run sends the valid request twice.
func (c *Status) Run(ctx context.Context, p *check.Pass) error {
	if len(p.Op.Responses) == 0 {
		return nil
	}
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	r1, err := checkkit.Send(ctx, p, req.Clone())
	if err != nil || !undeclared(p.Op, r1) {
		return err
	}
	r2, err := checkkit.Send(ctx, p, req.Clone())
	if err != nil || !undeclared(p.Op, r2) || r2.Status != r1.Status {
		return err
	}
	var ds []string
	for _, r := range p.Op.Responses {
		ds = append(ds, r.Status)
	}
	p.Report(checkkit.Finding(c.Info(), p.Op, r1, "",
		fmt.Sprintf("%s answered %d to a valid request; the description declares %s", p.Op.Key(), r1.Status, strings.Join(ds, ", ")), ""))
	return nil
}

// Schema is ESC-DAST-SPEC-002: response body does not match its schema.
type Schema struct{}

var _ check.Check = (*Schema)(nil)

// Info returns the check's metadata.
func (c *Schema) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-SPEC-002",
		Title:    "Response does not match its schema",
		Severity: escarp.SeverityLow,
		OWASP:    "API9:2023",
		CWE:      []string{"CWE-1059"},
		Description: "Sends a valid request to each operation and validates a 2xx JSON answer against the schema declared for its " +
			"status and media type: types (integer versus number, null only when nullable), required properties, enum and const, " +
			"additionalProperties: false, items, allOf/anyOf/oneOf. Formats, patterns and bounds are not judged. A mismatch is " +
			"reported when a second answer mismatches too. Undeclared properties under additionalProperties: false also reveal data " +
			"the contract does not promise (API3).",
		Remediation: "Make the implementation return what the description promises, ideally by generating one from the other, " +
			"and validate answers in tests:\n\n" +
			"```go\nif err := openapi3filter.ValidateResponse(ctx, in); err != nil { t.Fatal(err) }\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
			"https://spec.openapis.org/oas/v3.1.0#schema-object",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Mutating: true},
	}
}

// mismatch returns the schema mismatches of a 2xx JSON answer.
func mismatch(op *escarp.Operation, r *check.Response) []string {
	if r == nil || !r.OK() || len(r.Body) == 0 || r.Truncated {
		return nil
	}
	d := declared(op, r.Status)
	if d == nil || len(d.Content) == 0 {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return nil
	}
	media := d.Media(mt)
	if media == nil {
		media = d.Media("application/json")
	}
	if media == nil {
		for _, m := range d.Content {
			if strings.Contains(m.MediaType, "json") || m.MediaType == "*/*" {
				media = m
				break
			}
		}
	}
	if media == nil || media.Schema == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		return []string{"/: the body is not valid JSON"}
	}
	return Validate(media.Schema, v)
}

// Run validates two answers.
func (c *Schema) Run(ctx context.Context, p *check.Pass) error {
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	r1, err := checkkit.Send(ctx, p, req.Clone())
	if err != nil {
		return err
	}
	e1 := mismatch(p.Op, r1)
	if len(e1) == 0 {
		return nil
	}
	r2, err := checkkit.Send(ctx, p, req.Clone())
	if err != nil || len(mismatch(p.Op, r2)) == 0 {
		return err
	}
	p.Report(checkkit.Finding(c.Info(), p.Op, r1, "",
		fmt.Sprintf("The %d answer of %s does not match its schema: %s", r1.Status, p.Op.Key(), strings.Join(e1, "; ")), ""))
	return nil
}

// ServerError is ESC-DAST-SPEC-003: the server answers with a 5xx.
type ServerError struct{}

var _ check.Check = (*ServerError)(nil)

// Info returns the check's metadata.
func (c *ServerError) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-SPEC-003",
		Title:    "Server error",
		Severity: escarp.SeverityMedium,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-755"},
		Description: "Sends a valid request to each operation, then invalid ones a robust API must reject with 4xx: an empty JSON " +
			"object, truncated JSON, and a wrong-typed value in each of the first parameters. It reports a 5xx that the same request " +
			"gets again, other than 503 with Retry-After (throttling) and 502 or 504 (the right answer when an upstream fails).",
		Remediation: "Validate input before using it and map errors to 4xx; recover from panics and log them:\n\n" +
			"```go\nvar in CreateUser\nif err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Name == \"\" {\n\thttp.Error(w, \"invalid body\", http.StatusBadRequest)\n\treturn\n}\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
			"https://cwe.mitre.org/data/definitions/755.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Mutating: true},
	}
}

// serverError reports a 5xx other than throttling and the gateway errors
// (502, 504), which are the right answer when an upstream fails.
func serverError(r *check.Response) bool {
	return r != nil && r.Status >= 500 && !throttled(r) && r.Status != 502 && r.Status != 504
}

// Run sends the valid request and invalid variants.
func (c *ServerError) Run(ctx context.Context, p *check.Pass) error {
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	type variant struct {
		what, param string
		req         *check.Request
	}
	vs := []variant{{"a valid request", "", req}}
	if len(req.Body) > 0 && strings.Contains(req.Header.Get("Content-Type"), "json") {
		empty, broken := req.Clone(), req.Clone()
		empty.Body, broken.Body = []byte("{}"), []byte(`{"`)
		vs = append(vs, variant{"an empty JSON object", "body:", empty}, variant{"truncated JSON", "body:", broken})
	}
	n := 0
	for _, pt := range checkkit.Points(p.Op, req) {
		if n++; n > 4 {
			break
		}
		var bad any = "escarp-invalid"
		if pt.Kind == "string" && (pt.Schema == nil || !(pt.Schema.HasType("integer") || pt.Schema.HasType("number"))) {
			if pt.In != checkkit.InBody {
				continue
			}
			bad = map[string]any{"escarp": []any{1}}
		}
		vs = append(vs, variant{"a wrong-typed " + pt.Describe(), pt.Param(), pt.With(req, bad)})
	}
	for _, v := range vs {
		r1, err := checkkit.Send(ctx, p, v.req.Clone())
		if err != nil {
			return err
		}
		if !serverError(r1) {
			continue
		}
		r2, err := checkkit.Send(ctx, p, v.req.Clone())
		if err != nil {
			return err
		}
		if !serverError(r2) {
			continue
		}
		p.Report(checkkit.Finding(c.Info(), p.Op, r1, v.param,
			fmt.Sprintf("%s answered %d to %s", p.Op.Key(), r1.Status, v.what), ""))
		return nil
	}
	return nil
}
