package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// asset is one static file, with its content hash in its URL and a gzip
// copy made once at start.
type asset struct {
	url         string // /static/app.3f2a1b9c0d.css
	contentType string
	body, gz    []byte
}

// assets serves the static files under content-hashed names, so that
// browsers may cache them for a year: a changed file gets a new name.
type assets struct {
	byName map[string]*asset // "app.css" -> asset
	byURL  map[string]*asset
}

func mustLoadAssets() *assets {
	a := &assets{byName: map[string]*asset{}, byURL: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || contentType(path.Ext(p)) == "" {
			return err // notes and checksums beside the assets are not served
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		x := &asset{url: "/static/" + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext,
			contentType: contentType(ext), body: body}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		x.gz = buf.Bytes()
		a.byName[name], a.byURL[x.url] = x, x
		return nil
	})
	if err != nil {
		panic("web: load static assets: " + err.Error())
	}
	return a
}

func contentType(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return ""
}

// url returns the hashed URL of a static file; templates call it as
// {{asset "app.css"}}. An unknown name is a template bug: it panics at
// render, which the page's recover turns into an error page.
func (a *assets) url(name string) string {
	x, ok := a.byName[name]
	if !ok {
		panic("web: no static asset " + name)
	}
	return x.url
}

// serve answers GET /static/{file}: cached for a year (immutable, since
// the name changes with the content), gzipped when the browser takes it.
func (a *assets) serve(w http.ResponseWriter, r *http.Request) error {
	x, ok := a.byURL[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return nil
	}
	hd := w.Header()
	hd.Set("Content-Type", x.contentType)
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	hd.Set("Vary", "Accept-Encoding")
	body := x.body
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		hd.Set("Content-Encoding", "gzip")
		body = x.gz
	}
	_, err := w.Write(body)
	return err
}

// compressedSize is the gzip size of every script and style together.
func (a *assets) compressedSize() int {
	n := 0
	for name, x := range a.byName {
		if strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".css") {
			n += len(x.gz)
		}
	}
	return n
}
