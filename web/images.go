package web

import (
	"bytes"
	"encoding/xml"
	"image"
	_ "image/gif" // decoders for image.DecodeConfig
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// imageSize is an image's intrinsic width and height in CSS pixels; zero
// when it is not known.
type imageSize struct{ Width, Height int }

// imageSizes reads the sizes of the images in the media folder, once per
// file, so that pages can give every image its width and height and the
// page does not move as images load.
type imageSizes struct {
	dir     string // the media folder; "" knows no image
	baseURL string

	mu    sync.Mutex
	sizes map[string]imageSize
}

// maxImageSizes bounds the sizes remembered; past it, sizes are read again.
const maxImageSizes = 10000

// of returns the size of the image at src, an address on this site under
// /media/, or zero for anything else.
func (is *imageSizes) of(src string) imageSize {
	if is == nil || is.dir == "" {
		return imageSize{}
	}
	src = strings.TrimPrefix(src, is.baseURL)
	name, ok := strings.CutPrefix(src, "/media/")
	if !ok || name == "" || strings.ContainsAny(name, "?#\\") {
		return imageSize{}
	}
	name = path.Clean(name)
	if strings.HasPrefix(name, "..") || path.IsAbs(name) {
		return imageSize{}
	}
	is.mu.Lock()
	size, known := is.sizes[name]
	is.mu.Unlock()
	if known {
		return size
	}
	size = readImageSize(filepath.Join(is.dir, filepath.FromSlash(name)))
	is.mu.Lock()
	if is.sizes == nil || len(is.sizes) >= maxImageSizes {
		is.sizes = make(map[string]imageSize)
	}
	is.sizes[name] = size
	is.mu.Unlock()
	return size
}

// readImageSize decodes just enough of a PNG, JPEG or GIF to know its
// size, or reads an SVG's width and height (or its viewBox).
func readImageSize(file string) imageSize {
	f, err := os.Open(file)
	if err != nil {
		return imageSize{}
	}
	defer f.Close()
	if strings.EqualFold(filepath.Ext(file), ".svg") {
		return svgSize(io.LimitReader(f, 1<<20))
	}
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return imageSize{}
	}
	return imageSize{cfg.Width, cfg.Height}
}

// svgSize reads the root element's width and height in pixels, or the
// viewBox's when they are missing or relative.
func svgSize(r io.Reader) imageSize {
	d := xml.NewDecoder(r)
	for {
		tok, err := d.Token()
		if err != nil {
			return imageSize{}
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if el.Name.Local != "svg" {
			return imageSize{}
		}
		var w, h float64
		var box []string
		for _, a := range el.Attr {
			switch a.Name.Local {
			case "width":
				w = svgLength(a.Value)
			case "height":
				h = svgLength(a.Value)
			case "viewBox":
				box = strings.Fields(strings.ReplaceAll(a.Value, ",", " "))
			}
		}
		if (w == 0 || h == 0) && len(box) == 4 {
			w, _ = strconv.ParseFloat(box[2], 64)
			h, _ = strconv.ParseFloat(box[3], 64)
		}
		if w <= 0 || h <= 0 || w > 1e5 || h > 1e5 {
			return imageSize{}
		}
		return imageSize{int(math.Round(w)), int(math.Round(h))}
	}
}

// svgLength reads an absolute SVG length in pixels; 0 for a relative one.
func svgLength(v string) float64 {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "px"))
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0
	}
	return f
}

// sizeImages gives every <img> in article HTML whose size it knows a width
// and height, and all but the first lazy loading, and makes tables
// focusable. The HTML was sanitised when saved; this only adds attributes.
func (is *imageSizes) sizeImages(content string) string {
	if !strings.Contains(content, "<img") && !strings.Contains(content, "<table") {
		return content
	}
	var out bytes.Buffer
	out.Grow(len(content) + 64)
	z := html.NewTokenizer(strings.NewReader(content))
	images := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() == io.EOF {
				return out.String()
			}
			return content
		}
		raw := z.Raw()
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(raw)
			continue
		}
		raw = bytes.Clone(raw)
		tok := z.Token()
		if tok.DataAtom == atom.Table {
			// Wide tables scroll sideways (the page's CSS): keyboard users
			// must be able to reach them to scroll.
			out.WriteString(withAttr(tok, "tabindex", "0").String())
			continue
		}
		if tok.DataAtom != atom.Img {
			out.Write(raw) // as it was stored, byte for byte
			continue
		}
		images++
		out.WriteString(is.sizedImage(tok, images > 1).String())
	}
}

// sizedImage returns the img token with width, height and loading set
// where they are missing.
func (is *imageSizes) sizedImage(tok html.Token, lazy bool) html.Token {
	has := map[string]bool{}
	src := ""
	for _, a := range tok.Attr {
		has[a.Key] = true
		if a.Key == "src" {
			src = a.Val
		}
	}
	if size := is.of(src); size.Width > 0 && !has["width"] && !has["height"] {
		tok.Attr = append(tok.Attr,
			html.Attribute{Key: "width", Val: strconv.Itoa(size.Width)},
			html.Attribute{Key: "height", Val: strconv.Itoa(size.Height)})
	}
	if lazy && !has["loading"] {
		tok.Attr = append(tok.Attr, html.Attribute{Key: "loading", Val: "lazy"})
	}
	if !has["decoding"] {
		tok.Attr = append(tok.Attr, html.Attribute{Key: "decoding", Val: "async"})
	}
	return tok
}

// contentAddressed matches the names uploads are stored under: the bytes'
// hash is in the name, so what a name serves never changes.
var contentAddressed = regexp.MustCompile(`-[0-9a-f]{16}\.(png|jpg|gif|webp)$`)

// immutable is the Cache-Control of content-addressed media: a year, and
// no revalidation.
var immutable = []string{"public, max-age=31536000, immutable"}

// mediaCaching lets browsers and proxies keep uploaded images for a year,
// and other media (whose files an operator may replace) as long as pages.
// net/http's file server answers conditional requests from the file's time.
func (s *Server) mediaCaching(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if contentAddressed.MatchString(r.URL.Path) {
			w.Header()["Cache-Control"] = immutable
		} else {
			w.Header()["Cache-Control"] = s.pageCacheControl
		}
		next.ServeHTTP(w, r)
	})
}

// withAttr returns tok with attribute key set to val unless it has one.
func withAttr(tok html.Token, key, val string) html.Token {
	for _, a := range tok.Attr {
		if a.Key == key {
			return tok
		}
	}
	tok.Attr = append(tok.Attr, html.Attribute{Key: key, Val: val})
	return tok
}
