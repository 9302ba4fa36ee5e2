package main

import (
	"path/filepath"
	"testing"

	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/code"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/scan"
)

// TestSchemaAgreesWithSections checks that a config using every key the
// schema allows also decodes into the structs each section's owner reads it
// with, so the schema and the code cannot drift apart silently.
func TestSchemaAgreesWithSections(t *testing.T) {
	path := filepath.Join("..", "..", "internal", "config", "testdata", "full.yaml")
	env := map[string]string{"ALICE_TOKEN": "a", "BOB_PASSWORD": "b", "CAROL_PASSWORD": "c",
		"CLIENT_SECRET": "s", "ADMIN_TOKEN": "t", "RATE": "12.5"}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if errs := config.ValidateFile(path, path, getenv); len(errs) > 0 {
		t.Fatalf("ValidateFile(%s) = %v", path, errs)
	}
	f, err := config.Load(path, getenv)
	if err != nil {
		t.Fatal(err)
	}
	var fc scan.FileConfig
	if err := f.Section("scan", &fc); err != nil {
		t.Errorf("the scan section the schema accepts does not decode into scan.FileConfig: %v", err)
	}
	var c scan.Config
	if err := fc.Apply(&c); err != nil {
		t.Errorf("scan.FileConfig.Apply: %v", err)
	}
	var ids []scan.Identity
	if err := f.Section("identities", &ids); err != nil {
		t.Errorf("the identities the schema accepts do not decode into []scan.Identity: %v", err)
	}
	if len(ids) != 5 {
		t.Errorf("decoded %d identities, want 5", len(ids))
	}
	var ac audit.Config
	if err := f.Section("audit", &ac); err != nil {
		t.Errorf("the audit section the schema accepts does not decode into audit.Config: %v", err)
	}
	var ic inventoryConfig
	if err := f.Section("inventory", &ic); err != nil {
		t.Errorf("the inventory section the schema accepts does not decode into inventoryConfig: %v", err)
	}
	var cc code.Config
	if err := f.Section("code", &cc); err != nil {
		t.Errorf("the code section the schema accepts does not decode into code.Config: %v", err)
	} else if err := cc.Validate(); err != nil {
		t.Errorf("code.Config.Validate: %v", err)
	}
	var store string
	if err := f.Section("store", &store); err != nil || store == "" {
		t.Errorf("store = %q, %v; want a string", store, err)
	}
}
