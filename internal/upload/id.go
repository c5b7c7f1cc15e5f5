package upload

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"

	"github.com/google/uuid"
)

// newID names an upload created at now: a UUIDv7, whose first 48 bits are
// the creation time in milliseconds, so that its expiry is known from the
// id alone on every store without reading anything; then 16 random bytes,
// because the upload's URL is all that lets a client write into it.
func newID(now time.Time) (string, error) {
	var b [16 + 16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(b[:6], ms[2:])
	b[6] = 0x70 | b[6]&0x0f // version 7
	b[8] = 0x80 | b[8]&0x3f // RFC 9562 variant
	return uuid.UUID(b[:16]).String() + "." + base64.RawURLEncoding.EncodeToString(b[16:]), nil
}

// createdAt reads the creation time back from an upload's id (on object
// storage followed by "+" and the multipart upload's id).
func createdAt(id string) (time.Time, bool) {
	head, _, _ := strings.Cut(id, ".")
	u, err := uuid.Parse(head)
	if err != nil || u.Version() != 7 {
		return time.Time{}, false
	}
	var ms [8]byte
	copy(ms[2:], u[:6])
	return time.UnixMilli(int64(binary.BigEndian.Uint64(ms[:]))), true
}
