package admin

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
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

// saveImage stores an uploaded image under a new name in the media folder
// and returns its site path (/media/NAME).
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
		return "", err
	}
	name := newsdesk.Slugify(strings.TrimSuffix(hdr.Filename, filepath.Ext(hdr.Filename)))
	if name == "" {
		name = "image"
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	name += "-" + hex.EncodeToString(suffix) + ext
	out, err := os.OpenFile(filepath.Join(h.MediaDir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, file); err != nil {
		out.Close()
		os.Remove(out.Name())
		return "", err
	}
	return "/media/" + name, out.Close()
}

// markdownText keeps a file name from breaking the image's Markdown.
func markdownText(s string) string {
	return strings.NewReplacer("[", "", "]", "", "\n", " ", "\r", " ").Replace(s)
}
