package routes

import (
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
)

func TestParse(t *testing.T) {
	doc := `{"routes":[
 {"method":"get","path":"/users/:id","handler":"main.getUser","file":"api/users.go","line":42,"framework":"gin","auth":true},
 {"method":"POST","path":"/orders","file":"api/orders.go","line":7}]}`
	if !Detect([]byte(doc)) {
		t.Fatal("not detected")
	}
	obs, err := Parse("routes.json", []byte(doc), "shop", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 2 || obs[0].Method != "GET" || obs[0].Template != "/users/:id" || obs[0].Where != "api/users.go:42 main.getUser" ||
		obs[0].Source != escarp.SourceCode || len(obs[0].Auth) != 1 || obs[1].Auth != nil || obs[1].Service != "shop" {
		t.Errorf("Parse = %+v", obs)
	}
	if _, err := Parse("bad.json", []byte("{\n\"routes\": [\n{oops}]}"), "", time.Time{}); err == nil || !strings.Contains(err.Error(), "bad.json:3") {
		t.Errorf("syntax error = %v, want bad.json:3", err)
	}
	if Detect([]byte(`{"openapi":"3.1.0"}`)) {
		t.Error("an OpenAPI document detected as routes")
	}
}
