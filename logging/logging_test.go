package logging

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk/config"
)

func TestRedactorReplacesSecretsInStringsAndErrors(t *testing.T) {
	r := &Redactor{}
	r.Add("s3cret-value", "short")
	var buf bytes.Buffer
	logger := New(&buf, config.LogConfig{Format: "text", Level: "info"}, r)
	logger.Info("login as desk:s3cret-value failed", "err", errors.New("auth s3cret-value refused"),
		"pass", "s3cret-value", "word", "short", "n", 3)
	got := buf.String()
	if strings.Contains(got, "s3cret-value") || strings.Count(got, "[redacted]") != 3 {
		t.Errorf("secret not redacted everywhere: %s", got)
	}
	if !strings.Contains(got, "word=short") || !strings.Contains(got, "n=3") {
		t.Errorf("ordinary values changed: %s", got)
	}
}
