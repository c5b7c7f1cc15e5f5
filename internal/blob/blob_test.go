package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"troupe/internal/blob"
)

// open opens a bucket in a folder of its own (fuzz inputs share the
// test's temporary folder, whose name holds a "#").
func open(t testing.TB) *blob.Store {
	t.Helper()
	dir, err := os.MkdirTemp(t.TempDir(), "bucket-*")
	if err != nil {
		t.Fatal(err)
	}
	s, err := blob.Open("file://" + dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var mp4 = append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 64)...)

func acceptVideo(ct string) error {
	if len(ct) >= 6 && ct[:6] == "video/" {
		return nil
	}
	return errors.New("not a video")
}

// An upload either lands whole under its key or leaves nothing at all.
func FuzzPut(f *testing.F) {
	f.Add(mp4, int64(1000), 0)
	f.Add(mp4, int64(10), 0)
	f.Add([]byte("<html>"), int64(1000), 0)
	f.Add(mp4, int64(1000), 40)
	f.Add([]byte{}, int64(5), 0)
	f.Fuzz(func(t *testing.T, content []byte, limit int64, failAt int) {
		if limit < 0 || limit > 1<<20 {
			return
		}
		s := open(t)
		var r io.Reader = bytes.NewReader(content)
		if failAt > 0 && failAt < len(content) {
			r = io.MultiReader(bytes.NewReader(content[:failAt]), errReader{})
		}
		got, err := s.Put(context.Background(), "media/x", r, limit, acceptVideo)
		keys, kerr := s.Keys(context.Background())
		if kerr != nil {
			t.Fatal(kerr)
		}
		if err != nil {
			if len(keys) != 0 {
				t.Fatalf("a refused upload (%v) left %v", err, keys)
			}
			return
		}
		if failAt > 0 && failAt < len(content) {
			t.Fatal("a broken upload was accepted")
		}
		if int64(len(content)) > limit || got.Size != int64(len(content)) || len(keys) != 1 {
			t.Fatalf("stored %+v, keys %v, for %d bytes under limit %d", got, keys, len(content), limit)
		}
		rd, err := s.Open(context.Background(), "media/x")
		if err != nil {
			t.Fatal(err)
		}
		defer rd.Close()
		back, _ := io.ReadAll(rd)
		if !bytes.Equal(back, content) {
			t.Fatal("stored bytes differ")
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestPutRefusals(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	if _, err := s.Put(ctx, "a", bytes.NewReader(mp4), 10, acceptVideo); !errors.Is(err, blob.ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := s.Put(ctx, "a", bytes.NewReader(nil), 10, acceptVideo); !errors.Is(err, blob.ErrEmpty) {
		t.Fatalf("empty: %v", err)
	}
	var re *blob.ReadError
	if _, err := s.Put(ctx, "a", io.MultiReader(bytes.NewReader(mp4), errReader{}), 1000, acceptVideo); !errors.As(err, &re) {
		t.Fatalf("broken: %v", err)
	}
	if keys, _ := s.Keys(ctx); len(keys) != 0 {
		t.Fatalf("left %v", keys)
	}
	if err := s.Delete(ctx, "missing"); err != nil {
		t.Fatalf("deleting a missing file: %v", err)
	}
}
