package tracker

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/warroom/warroom"
)

// Secrets gives the value of a named secret (a tracker's credentials, its
// webhook secret).
type Secrets interface {
	// Secret returns the secret's value; EInvalid if there is none, with
	// what to do.
	Secret(name string) (string, error)
}

// SecretsDir reads secrets from files of a directory, one file per
// secret named after it (the shape of a mounted Kubernetes or Docker
// secret), surrounding whitespace ignored. Files are read at each use, so
// a rotated token takes effect without a restart.
type SecretsDir string

// Secret implements Secrets.
func (d SecretsDir) Secret(name string) (string, error) {
	if d == "" {
		return "", warroom.Errorf(warroom.EInvalid, "secret %q: the server has no tracker secrets directory (--tracker-secrets-dir)", name)
	}
	if !secretName.MatchString(name) {
		return "", warroom.Errorf(warroom.EInvalid, "secret name %q is not a plain file name", name)
	}
	b, err := os.ReadFile(filepath.Join(string(d), name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", warroom.Errorf(warroom.EInvalid, "secret %q: no file %s in the tracker secrets directory", name, name)
	}
	if err != nil {
		return "", warroom.Errorf(warroom.EInvalid, "secret %q: %v", name, err)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", warroom.Errorf(warroom.EInvalid, "secret %q: its file is empty", name)
	}
	return v, nil
}
