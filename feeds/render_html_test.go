package feeds

import "testing"

func TestAbsoluteHTML(t *testing.T) {
	const base = "https://example.org/articles/harbour-dues"
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"text only", "a < b & c", "a < b & c"},
		{"absolute kept byte for byte", `<A HREF='https://example.com/x' class=big>x</A>`, `<A HREF='https://example.com/x' class=big>x</A>`},
		{"relative path", `<a href="chart.png">c</a>`, `<a href="https://example.org/articles/chart.png">c</a>`},
		{"parent path", `<a href="../category/economy">e</a>`, `<a href="https://example.org/category/economy">e</a>`},
		{"root path", `<img src="/media/a.jpg" alt="A &amp; B">`, `<img src="https://example.org/media/a.jpg" alt="A &amp; B">`},
		{"fragment", `<a href="#notes">n</a>`, `<a href="https://example.org/articles/harbour-dues#notes">n</a>`},
		{"empty href", `<a href="">self</a>`, `<a href="https://example.org/articles/harbour-dues">self</a>`},
		{"scheme-relative", `<img src="//cdn.example.net/a.png">`, `<img src="https://cdn.example.net/a.png">`},
		{"query with entity", `<a href="?p=1&amp;q=2">q</a>`, `<a href="https://example.org/articles/harbour-dues?p=1&amp;q=2">q</a>`},
		{"mailto kept", `<a href="mailto:desk@example.org">m</a>`, `<a href="mailto:desk@example.org">m</a>`},
		{"uppercase tag rewritten", `<IMG SRC=a.png>`, `<img src="https://example.org/articles/a.png">`},
		{"self-closing", `<img src="a.png"/>`, `<img src="https://example.org/articles/a.png"/>`},
		{"video poster", `<video src="v.mp4" poster="p.jpg"></video>`, `<video src="https://example.org/articles/v.mp4" poster="https://example.org/articles/p.jpg"></video>`},
		{"srcset", `<img srcset="a.png 1x,/b.png 2x, https://x.example/c.png 480w">`,
			`<img srcset="https://example.org/articles/a.png 1x, https://example.org/b.png 2x, https://x.example/c.png 480w">`},
		{"srcset without descriptors", `<img srcset="a.png, b.png">`, `<img srcset="https://example.org/articles/a.png, https://example.org/articles/b.png">`},
		{"comments and text untouched", "<!-- <a href=\"x\"> -->\n<p>é “q”</p>", "<!-- <a href=\"x\"> -->\n<p>é “q”</p>"},
		{"raw text untouched", `<pre><code>&lt;a href="x"&gt;</code></pre>`, `<pre><code>&lt;a href="x"&gt;</code></pre>`},
		{"unterminated tag", `<p>x</p><a href="y`, `<p>x</p><a href="y`},
		{"other attributes untouched", `<a title="x.png" data-src="y.png" href="https://e.example/">l</a>`, `<a title="x.png" data-src="y.png" href="https://e.example/">l</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AbsoluteHTML(tt.in, base); got != tt.want {
				t.Errorf("AbsoluteHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAbsoluteHTMLBadBase(t *testing.T) {
	in := `<a href="x">x</a>`
	for _, base := range []string{"", "/relative", "http://[::1"} {
		if got := AbsoluteHTML(in, base); got != in {
			t.Errorf("AbsoluteHTML with base %q = %q, want it unchanged", base, got)
		}
	}
}

func TestWithImage(t *testing.T) {
	const img = "https://example.org/media/a.jpg?w=1&h=2"
	tests := []struct{ name, content, image, want string }{
		{"no image", "<p>x</p>", "", "<p>x</p>"},
		{"prepended", "<p>x</p>", img, `<p><img src="https://example.org/media/a.jpg?w=1&amp;h=2" alt=""></p><p>x</p>`},
		{"shown already", `<img src="https://example.org/media/a.jpg?w=1&amp;h=2">`, img, `<img src="https://example.org/media/a.jpg?w=1&amp;h=2">`},
	}
	for _, tt := range tests {
		if got := withImage(tt.content, tt.image); got != tt.want {
			t.Errorf("%s: withImage = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func FuzzAbsoluteHTML(f *testing.F) {
	for _, s := range []string{`<a href="x">`, `<img srcset="a 1x,b 2x" src=/c>`, `<p>x</p><a href="y`, `<svg><a href=z /></svg>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		const base = "https://example.org/articles/a"
		once := AbsoluteHTML(s, base)
		if twice := AbsoluteHTML(once, base); twice != once {
			t.Fatalf("not idempotent on %q:\n once %q\ntwice %q", s, once, twice)
		}
	})
}
