package sqlstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// privateMode is the mode of the SQLite database and its -wal and -shm
// files: they hold every incident, private ones included, and the hashes
// of API tokens, so only the server's own user may read them (like the
// ack secret kept beside them).
const privateMode fs.FileMode = 0o600

// createPrivate makes the database file mode 0600 before SQLite opens it,
// whatever the process's umask: SQLite creates the -wal and -shm files
// with the database file's mode, so they follow. A database that exists
// already keeps its content, and loses any group or other permission.
func createPrivate(path string) error {
	if strings.HasPrefix(path, ":memory:") {
		return nil // no file
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, privateMode)
	switch {
	case err == nil:
		// The umask may have taken bits away, never added them; Chmod
		// sets the mode exactly.
		err = f.Chmod(privateMode)
		return errors.Join(err, f.Close())
	case errors.Is(err, fs.ErrExist):
		return tightenMode(path)
	}
	return fmt.Errorf("sqlstore: create %s: %w", path, err)
}

// tightenMode takes group and other permissions away from path if it
// exists (a database created before its files were made private).
func tightenMode(path string) error {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	if st.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(path, st.Mode().Perm()&^0o077); err != nil {
		return fmt.Errorf("sqlstore: make %s readable by its owner only: %w (chmod 600 it)", path, err)
	}
	return nil
}

// tightenSidecars applies tightenMode to the -wal and -shm files of the
// database at path, which SQLite made with the database's mode, or which
// an older version left readable.
func tightenSidecars(path string) error {
	return errors.Join(tightenMode(path+"-wal"), tightenMode(path+"-shm"))
}
