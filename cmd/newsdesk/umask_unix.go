//go:build unix

package main

import "syscall"

// privateUmask makes every file the process creates readable by its owner
// only, whatever the mode asked for: the database, backups, the outbox
// and the config file init writes all hold secrets or addresses.
func privateUmask() { syscall.Umask(0o077) }

// publicUmask is for export, which writes a site meant to be served.
func publicUmask() { syscall.Umask(0o022) }
