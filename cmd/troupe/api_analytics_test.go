package main

import (
	"bytes"
	"strings"
	"testing"
)

// Beacons over HTTP: 204 for a published page, 404 for any other slug,
// 400 for a body that is not a beacon; the viewer gets a random id.
func TestBeaconRoute(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		id := idOf(t, admin.upload(ws, "videos", map[string]string{"name": "Teaser"}, "a.mp4", bytes.NewReader(mp4Head)).want(t, 201))
		slug := admin.do("POST", "/api/v1/videos/"+id+"/publish", nil).want(t, 200).json(t)["slug"].(string)
		visitor := s.client(t)
		beacon := `{"session":"0123456789abcdef0123","watched":[[0,1500],[1000,4000.4]]}`
		res := visitor.do("POST", "/v/"+slug+"/events", beacon, "Content-Type", "text/plain;charset=UTF-8").want(t, 204)
		if !strings.Contains(res.header.Get("Set-Cookie"), "troupe_viewer=") {
			t.Fatalf("no viewer id: %v", res.header)
		}
		visitor.do("POST", "/v/"+slug+"/events", beacon, "Content-Type", "text/plain;charset=UTF-8").want(t, 204)
		visitor.do("POST", "/v/AAAAAAAAAAAAAAAAAAAAAAAA/events", beacon, "Content-Type", "text/plain;charset=UTF-8").want(t, 404)
		visitor.do("POST", "/v/"+slug+"/events", `{"session":`, "Content-Type", "text/plain;charset=UTF-8").want(t, 400)
		visitor.do("POST", "/v/"+slug+"/events", strings.Repeat(" ", 20<<10)+"{}", "Content-Type", "text/plain;charset=UTF-8").want(t, 413)
		a := admin.do("GET", "/api/v1/videos/"+id+"/analytics", nil).want(t, 200).json(t)
		if a["views"] != 1.0 || a["watch_time_ms"] != 4000.0 {
			t.Fatalf("analytics: %v", a)
		}
		csv := admin.do("GET", "/api/v1/videos/"+id+"/analytics.csv", nil).want(t, 200)
		if lines := strings.Split(strings.TrimSuffix(string(csv.body), "\r\n"), "\r\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "session,viewed_at") {
			t.Fatalf("csv: %q", csv.body)
		}
	})
}
