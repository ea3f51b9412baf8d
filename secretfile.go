package newsdesk

import (
	"io/fs"
	"os"
)

// ReadableByOthers reports whether the file at path, which holds a secret,
// can be read by users other than its owner (its group or everyone), and
// its mode. A file that cannot be looked at is not reported: whoever opens
// it will say why.
func ReadableByOthers(path string) (fs.FileMode, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	return fi.Mode().Perm(), fi.Mode().Perm()&0o044 != 0
}
