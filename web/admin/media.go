package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// maxImage bounds an uploaded image, and with it the article form.
const maxImage = 10 << 20

// imageTypes are the images an editor may upload, by the type their bytes
// show, with the extension they are saved under. SVG is left out: it can
// carry script, and the site serves media from its own origin.
var imageTypes = map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}

// articleForm reads the article form, which may carry an image: a stored
// upload is added to the end of the body as Markdown, so the editor sees
// it in the preview and can move it.
func (h *Handler) articleForm(w http.ResponseWriter, r *http.Request) *form {
	r.Body = http.MaxBytesReader(w, r.Body, maxImage+1<<20)
	err := r.ParseMultipartForm(1 << 20)
	if err != nil && !errors.Is(err, http.ErrNotMultipart) {
		f := newForm(r.PostForm)
		f.Fail("upload", "The form could not be read: an image may be at most 10 MB.")
		return f
	}
	f := newForm(r.PostForm)
	file, hdr, err := r.FormFile("upload")
	if err != nil {
		return f // no image sent
	}
	defer file.Close()
	path, err := h.saveImage(file, hdr)
	if err != nil {
		f.FailErr(err)
		return f
	}
	alt := strings.TrimSuffix(hdr.Filename, filepath.Ext(hdr.Filename))
	f.Values.Set("body", strings.TrimRight(f.Get("body"), "\n")+"\n\n!["+markdownText(alt)+"]("+path+")\n")
	return f
}

// saveImage stores an uploaded image in the media folder under a name made
// from its bytes, and returns its site path (/media/NAME-HASH.EXT). The
// same image uploaded again (a second preview, say) is stored once, and a
// name never changes what it serves, so readers may cache it for a year.
func (h *Handler) saveImage(file multipart.File, hdr *multipart.FileHeader) (string, error) {
	if h.MediaDir == "" {
		return "", newsdesk.FieldErrorf("upload", "This desk has no media folder to store images in.")
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(file, head)
	ext, ok := imageTypes[http.DetectContentType(head[:n])]
	if !ok {
		return "", newsdesk.FieldErrorf("upload", "%q is not a PNG, JPEG, GIF or WebP image.", hdr.Filename)
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("read upload: %w", err)
	}
	tmp, err := os.CreateTemp(h.MediaDir, ".upload-*")
	if err != nil {
		return "", fmt.Errorf("store upload: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	sum := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, sum), file); err != nil {
		tmp.Close()
		return "", fmt.Errorf("store upload: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("store upload: %w", err)
	}
	name := newsdesk.Slugify(strings.TrimSuffix(hdr.Filename, filepath.Ext(hdr.Filename)))
	if name == "" {
		name = "image"
	}
	name += "-" + hex.EncodeToString(sum.Sum(nil)[:8]) + ext
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("store upload: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(h.MediaDir, name)); err != nil {
		return "", fmt.Errorf("store upload: %w", err)
	}
	return "/media/" + name, nil
}

// markdownText keeps a file name from breaking the image's Markdown.
func markdownText(s string) string {
	return strings.NewReplacer("[", "", "]", "", "\n", " ", "\r", " ").Replace(s)
}
