package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
)

func endpoint(service, method, template, class string) *escarp.Endpoint {
	return &escarp.Endpoint{Service: service, Method: method, Template: template, Classification: class,
		Sources: []string{escarp.SourceSpec, escarp.SourceTraffic}, Documented: class != escarp.ClassShadow,
		FirstSeen: t0, LastSeen: t0.Add(time.Hour), Hits: 12, Statuses: map[string]int64{"2xx": 10, "4xx": 2},
		Auth: []string{"bearer"}, DataClasses: []string{"email"}, Query: []string{"page"},
		ResponseSchema: `{"type":"object"}`}
}

func testInventory(t *testing.T, s Store) {
	ctx := context.Background()
	svc := []*escarp.Service{
		{Name: "shop", Hosts: []string{"127.0.0.1:8080"}, Specs: []string{"shop.yaml"}, FirstSeen: t0, Watched: t0},
		{Name: "rogue-10.0.0.9", Hosts: []string{"10.0.0.9"}, Rogue: true, FirstSeen: t0},
	}
	if err := s.PutServices(ctx, svc); err != nil {
		t.Fatal(err)
	}
	svc[0].Owner = "team-shop" // replace by name
	if err := s.PutServices(ctx, svc[:1]); err != nil {
		t.Fatal(err)
	}
	got, err := s.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*escarp.Service{svc[1], svc[0]}, got); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}

	eps := []*escarp.Endpoint{
		endpoint("shop", "GET", "/users/{id}", escarp.ClassDocumented),
		endpoint("shop", "GET", "/debug/vars", escarp.ClassShadow),
		endpoint("rogue-10.0.0.9", "POST", "/login", escarp.ClassRogue),
	}
	if err := s.PutEndpoints(ctx, eps); err != nil {
		t.Fatal(err)
	}
	eps[0].Hits = 99
	eps[0].Classification = escarp.ClassZombie
	if err := s.PutEndpoints(ctx, eps[:1]); err != nil {
		t.Fatal(err)
	}
	all, err := s.Endpoints(ctx, escarp.EndpointFilter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("Endpoints = %d, %v", len(all), err)
	}
	shop, err := s.Endpoints(ctx, escarp.EndpointFilter{Service: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*escarp.Endpoint{eps[1], eps[0]}, shop); diff != "" {
		t.Errorf("shop endpoints (-want +got):\n%s", diff)
	}
	zombies, _ := s.Endpoints(ctx, escarp.EndpointFilter{Classification: escarp.ClassZombie})
	if len(zombies) != 1 || zombies[0].Hits != 99 {
		t.Errorf("zombies = %v", zombies)
	}
}

func testTemplateRules(t *testing.T, s Store) {
	ctx := context.Background()
	r1 := &escarp.TemplateRule{Service: "shop", Literal: "/users/me", Note: "the caller's own profile", Created: t0}
	r2 := &escarp.TemplateRule{Template: "/files/{name}", Created: t0}
	for _, r := range []*escarp.TemplateRule{r1, r2} {
		if err := s.PutTemplateRule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if r1.ID == 0 || r2.ID == r1.ID {
		t.Fatalf("ids %d, %d", r1.ID, r2.ID)
	}
	if err := s.PutTemplateRule(ctx, &escarp.TemplateRule{}); escarp.KindOf(err) != escarp.Invalid {
		t.Errorf("empty rule: err = %v, want Invalid", err)
	}
	got, err := s.TemplateRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*escarp.TemplateRule{r1, r2}, got); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	if err := s.DeleteTemplateRule(ctx, r1.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTemplateRule(ctx, r1.ID); escarp.KindOf(err) != escarp.NotFound {
		t.Errorf("second delete: err = %v, want NotFound", err)
	}
	if got, _ := s.TemplateRules(ctx); len(got) != 1 {
		t.Errorf("after delete: %d rules", len(got))
	}
}

func testSnapshots(t *testing.T, s Store) {
	ctx := context.Background()
	a := endpoint("shop", "GET", "/a", escarp.ClassDocumented)
	if err := s.PutEndpoints(ctx, []*escarp.Endpoint{a}); err != nil {
		t.Fatal(err)
	}
	first := &escarp.Snapshot{Name: "before", Created: t0}
	if err := s.PutSnapshot(ctx, first); err != nil {
		t.Fatal(err)
	}
	b := endpoint("shop", "GET", "/b", escarp.ClassShadow)
	if err := s.PutEndpoints(ctx, []*escarp.Endpoint{b}); err != nil {
		t.Fatal(err)
	}
	second := &escarp.Snapshot{Created: t0.Add(time.Hour)}
	if err := s.PutSnapshot(ctx, second); err != nil {
		t.Fatal(err)
	}
	if first.Endpoints != 1 || second.Endpoints != 2 {
		t.Errorf("snapshot sizes %d, %d; want 1, 2", first.Endpoints, second.Endpoints)
	}
	list, err := s.Snapshots(ctx)
	if err != nil || len(list) != 2 || list[0].ID != first.ID {
		t.Fatalf("Snapshots = %v, %v", list, err)
	}
	old, err := s.SnapshotEndpoints(ctx, "before") // by name
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*escarp.Endpoint{a}, old); diff != "" {
		t.Errorf("snapshot endpoints (-want +got):\n%s", diff)
	}
	if _, err := s.SnapshotEndpoints(ctx, "nope"); escarp.KindOf(err) != escarp.NotFound {
		t.Errorf("unknown snapshot: err = %v, want NotFound", err)
	}
}
