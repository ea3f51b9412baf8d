//go:build !linux

package web

import (
	"errors"
	"net"
	"os"
)

func newBodyFile([]byte) (*os.File, error) {
	return nil, errors.New("no in-memory files on this system")
}

func sendWithFile(c net.Conn, head []byte, _ *os.File, body []byte) error {
	return writeResponse(c, head, body)
}
