package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/lab"
)

// riskyOps adds two risky operations to the lab's description: a write
// that takes an order id and a callback URL, and an anonymous admin export.
const riskyOps = `  /api/v2/orders/{orderId}:
    put:
      operationId: updateOrder
      summary: Update an order
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                callback_url: {type: string, format: uri}
      responses:
        "200": {description: updated}
`

func TestReview(t *testing.T) {
	dir := t.TempDir()
	prev := filepath.Join(dir, "prev.yaml")
	cur := filepath.Join(dir, "openapi.yaml")
	base := string(lab.Spec(false))
	i := strings.Index(base, "\npaths:\n") + len("\npaths:\n")
	if err := os.WriteFile(prev, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cur, []byte(base[:i]+riskyOps+base[i:]), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runScanCLI(t, dir, nil, "review", "--spec", cur, "--previous", prev)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"### Adds `PUT /api/v2/orders/{orderId}`",
		"Check the caller owns the object named by `path:orderId`",
		"`body:/callback_url` is a URL the server uses: check it against an allow-list",
		"lesson `escarp learn show bola`",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("review lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "### ") != 1 {
		t.Errorf("review names operations the change did not add:\n%s", out)
	}
	// An unchanged description needs no review.
	out, _, err = runScanCLI(t, dir, nil, "review", "--spec", prev, "--previous", prev)
	if err != nil || !strings.Contains(out, "Nothing in this change adds attack surface") {
		t.Errorf("unchanged spec: %v\n%s", err, out)
	}
	if _, _, err := runScanCLI(t, dir, nil, "review", "--spec", cur); escarp.KindOf(err) != escarp.Invalid {
		t.Errorf("no base: %v, want exit 2", err)
	}
	// escarp ci writes the same list with -o review:PATH.
	review := filepath.Join(dir, "review.md")
	_, errOut, err := runScanCLI(t, dir, nil, "ci", "--stages", "audit", "--spec", cur, "--previous", prev, "--no-store", "-o", "review:"+review)
	if err != nil && escarp.KindOf(err) != escarp.Threshold {
		t.Fatalf("ci: %v\n%s", err, errOut)
	}
	data, err := os.ReadFile(review)
	if err != nil || !strings.Contains(string(data), "PUT /api/v2/orders/{orderId}") {
		t.Errorf("ci -o review: %v\n%s", err, data)
	}
	if _, _, err := runScanCLI(t, dir, nil, "ci", "--stages", "audit", "--spec", cur, "--no-store", "-o", "review:"+review); escarp.KindOf(err) != escarp.Invalid {
		t.Errorf("ci -o review: without a base: %v, want exit 2", err)
	}
}
