package sqlstore

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// withUmask runs fn under umask mask, the usual 022 unless a test says
// otherwise, so that what the files get does not depend on the shell the
// tests run from. (A test may set the process's umask; a library may not.)
func withUmask(t *testing.T, mask int, fn func()) {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	fn()
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s has mode %#o, want %#o", filepath.Base(path), got, want)
	}
}

// The SQLite database and its -wal and -shm files are readable by their
// owner only, whatever the umask; a database made before (0644, as the
// umask left it) is tightened when it is opened.
func TestSQLiteFilesArePrivate(t *testing.T) {
	for _, mask := range []int{0o022, 0o000} {
		path := filepath.Join(t.TempDir(), "warroom.db")
		withUmask(t, mask, func() {
			s, err := Open(context.Background(), "sqlite:"+path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			f := newFixture(t, s)
			f.mustDeclare(f.ada, "private files")
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				wantMode(t, p, 0o600)
			}
		})
	}

	// A database made before, world-readable as the umask left it.
	path := filepath.Join(t.TempDir(), "old.db")
	withUmask(t, 0o022, func() {
		s, err := Open(context.Background(), "sqlite:"+path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if err := os.Chmod(p, 0o644); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
		s, err = Open(context.Background(), "sqlite:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		f := newFixture(t, s)
		f.mustDeclare(f.ada, "reopened")
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			wantMode(t, p, 0o600)
		}
	})
}
