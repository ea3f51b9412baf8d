package newsdesk

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadableByOthers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	for mode, want := range map[os.FileMode]bool{0o600: false, 0o400: false, 0o640: true, 0o604: true, 0o644: true, 0o620: false} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if got, exposed := ReadableByOthers(path); exposed != want || got != mode {
			t.Errorf("mode %#o: %#o, %v, want %v", mode, got, exposed, want)
		}
	}
	if _, exposed := ReadableByOthers(filepath.Join(t.TempDir(), "missing")); exposed {
		t.Errorf("a missing file is reported")
	}
}
