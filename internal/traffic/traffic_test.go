package traffic

import (
	"reflect"
	"strings"
	"testing"

	"github.com/escarp/escarp"
)

func TestDataClasses(t *testing.T) {
	tests := []struct {
		body string
		want []string
	}{
		{`{"email":"bob@example.com"}`, []string{"email"}},
		{`{"card":"4111 1111 1111 1111"}`, []string{"card"}},
		{`{"card":"4111 1111 1111 1112"}`, nil}, // fails Luhn
		{`{"ssn":"123-45-6789"}`, []string{"ssn"}},
		{`{"hash":"$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"}`, []string{"password-hash"}},
		{`{"token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.abcdef"}`, []string{"jwt"}},
		{`{"id":17,"name":"widget","price":12.5}`, nil},
	}
	for _, tt := range tests {
		if got := DataClasses(tt.body); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DataClasses(%s) = %v, want %v", tt.body, got, tt.want)
		}
	}
}

func TestObserve(t *testing.T) {
	x := &escarp.Exchange{Method: "get", URL: "http://127.0.0.1:8080/users/7?api_key=s3cr3t&page=2", Status: 200,
		RequestHeader: map[string][]string{"Cookie": {"session=abc"}},
		ResponseBody:  `{"id":7,"password":"hunter2","email":"a@b.co"}`, Time: "2026-11-27T10:00:00Z", Route: "/users/{id}"}
	o := Observe(x, "")
	if o.Method != "GET" || o.Host != "127.0.0.1:8080" || o.Path != "/users/7" || o.Template != "/users/{id}" {
		t.Errorf("Observe = %+v", o)
	}
	if !reflect.DeepEqual(o.Auth, []string{"apiKey:query:api_key", "cookie"}) {
		t.Errorf("Auth = %v", o.Auth)
	}
	if strings.Contains(o.ResponseBody, "hunter2") {
		t.Errorf("response body kept a password: %s", o.ResponseBody)
	}
	if !reflect.DeepEqual(o.Query, []string{"api_key", "page"}) {
		t.Errorf("Query = %v", o.Query)
	}
	if o.Anonymous {
		t.Error("a request with credentials is not anonymous")
	}
}
