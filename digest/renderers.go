package digest

import "sync"

// Renderers loads each set of digest templates once per process: Load
// reads a set ("" the default) with the configured overrides, and
// NewRenderer renders a sample, so that a template that does not parse or
// run is refused when first asked for, naming its file and line.
type Renderers struct {
	Load func(set string) (Templates, error)

	mu sync.Mutex
	m  map[string]*Renderer
}

// Renderer returns the renderer of a template set, loading it the first
// time.
func (rs *Renderers) Renderer(set string) (*Renderer, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if r, ok := rs.m[set]; ok {
		return r, nil
	}
	t, err := rs.Load(set)
	if err != nil {
		return nil, err
	}
	r, err := NewRenderer(t)
	if err != nil {
		return nil, err
	}
	if rs.m == nil {
		rs.m = map[string]*Renderer{}
	}
	rs.m[set] = r
	return r, nil
}
