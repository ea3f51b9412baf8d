package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk/config"
)

const sampleConfig = "../../contrib/newsdesk.toml"

// TestSampleConfigIsCompleteAndLoads checks contrib/newsdesk.toml: the
// command line accepts it, and it sets or shows every key there is.
func TestSampleConfigIsCompleteAndLoads(t *testing.T) {
	text, err := os.ReadFile(sampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg := reflect.TypeFor[config.Config]()
	for i := range cfg.NumField() {
		section := cfg.Field(i)
		name := section.Tag.Get("toml")
		if !bytes.Contains(text, []byte("\n["+name+"]\n")) {
			t.Errorf("%s has no [%s] section", sampleConfig, name)
		}
		for j := range section.Type.NumField() {
			key := section.Type.Field(j).Tag.Get("toml")
			if !regexp.MustCompile(`(?m)^#? ?` + key + ` = `).Match(text) {
				t.Errorf("%s lacks %s.%s", sampleConfig, name, key)
			}
		}
	}

	d := newInstall(t)
	var stdout, stderr bytes.Buffer
	args := []string{"article", "list", "--config", sampleConfig, "--data", filepath.Join(d.dir, "data")}
	if code := Main(context.Background(), args, strings.NewReader(""), &stdout, &stderr, nil); code != 0 {
		t.Errorf("newsdesk %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
	}
}
