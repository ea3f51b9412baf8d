package main

import (
	"context"
	"os"
)

func runBackup(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("backup", env, &g)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("backup: expected one FILE to write the snapshot to")
	}
	if _, err := os.Stat(pos[0]); err == nil {
		return usagef("backup: %s already exists; choose a new file", pos[0])
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	if err := app.db.Backup(ctx, pos[0]); err != nil {
		return err
	}
	printf(env, "Backup written to %s.\n", pos[0])
	return nil
}
