package digest_test

import (
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest"
	"github.com/newsdesk/newsdesk/templates"
)

// Each template set is loaded once; a set that does not load is refused
// with its error each time it is asked for.
func TestRenderersLoadEachSetOnce(t *testing.T) {
	loads := map[string]int{}
	rs := &digest.Renderers{Load: func(set string) (digest.Templates, error) {
		loads[set]++
		if set == "broken" {
			return nil, newsdesk.Errorf(newsdesk.EINVALID, "template set %q: subject.txt:1: unclosed action", set)
		}
		return templates.DigestSet("", "")
	}}
	a, err := rs.Renderer("")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := rs.Renderer(""); b != a || loads[""] != 1 {
		t.Errorf("default set loaded %d times", loads[""])
	}
	for range 2 {
		if _, err := rs.Renderer("broken"); err == nil || !strings.Contains(err.Error(), "subject.txt:1") {
			t.Errorf("broken set: %v", err)
		}
	}
}
