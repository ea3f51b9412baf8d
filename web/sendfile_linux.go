//go:build linux

package web

import (
	"net"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// newBodyFile puts a response body where the kernel can send it from
// without a copy: an in-memory file. The file is closed when it is no
// longer referenced (os.File's cleanup), after the last response using it.
func newBodyFile(body []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("newsdesk-feed", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "newsdesk-feed")
	if _, err := f.Write(body); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// sendWithFile writes head, then the size bytes of f with sendfile(2), as
// nginx sends static files: the body goes from the file's pages to the
// socket without passing through this process. Connections that are not
// sockets get a plain write of body.
func sendWithFile(c net.Conn, head []byte, f *os.File, body []byte) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return writeResponse(c, head, body)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return writeResponse(c, head, body)
	}
	if _, err := c.Write(head); err != nil {
		return err
	}
	src := int(f.Fd())
	var off int64
	remain := len(body)
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		for remain > 0 {
			n, err := unix.Sendfile(int(fd), src, &off, remain)
			if n > 0 {
				remain -= n
			}
			switch {
			case err == unix.EAGAIN:
				return false // wait until the socket takes more
			case err == unix.EINTR:
				continue
			case err != nil:
				werr = err
				return true
			case n == 0:
				werr = unix.EIO // the file is shorter than it was made
				return true
			}
		}
		return true
	})
	runtime.KeepAlive(f)
	if err != nil {
		return err
	}
	return werr
}
