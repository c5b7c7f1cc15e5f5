package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"troupe/internal/testkit"
)

// shareBench is a `troupe serve` process with two published videos, one
// of them behind a password.
type shareBench struct {
	base, open, locked string // open and locked are page paths
	file               []byte // the uploaded video
	path               string // where troupe stores the open one
	pid                int
	// The generated workspace's admin, signed in.
	ws, email, password, session string
}

func startShareBench(b *testing.B, bin string, e testkit.Engine) *shareBench {
	dir := b.TempDir()
	gen, _, _ := generateWorkspace(b, bin, dir, e.URL, "-members", "3", "-items", "10", "-depth", "2", "-big-folder", "2", "-heavy-sharers", "0", "-shares-each", "0")
	sb := &shareBench{file: benchVideo(b)}

	sb.base, sb.pid = startServe(b, bin, dir, e.URL)
	session := login(b, sb.base, gen.AdminEmail, gen.Password)
	sb.ws, sb.email, sb.password, sb.session = gen.WorkspaceID, gen.AdminEmail, gen.Password, session
	call := func(method, path string, body any, want int) map[string]any {
		return sb.call(b, method, path, body, want)
	}
	call("PATCH", "/api/v1/workspaces/"+gen.WorkspaceID, map[string]string{"publishing": "allowed"}, 200)
	for i, locked := range []bool{false, true} {
		id := uploadVideo(b, sb.base, session, gen.WorkspaceID, fmt.Sprintf("Launch %d", i), sb.file)
		call("PUT", "/api/v1/videos/"+id+"/captions/fr", map[string]any{"label": "Français",
			"cues": []map[string]any{{"start_ms": 0, "end_ms": 1500, "text": "Bonjour"}}}, 200)
		page := "/v/" + call("POST", "/api/v1/videos/"+id+"/publish", nil, 200)["slug"].(string)
		if locked {
			call("PUT", "/api/v1/videos/"+id+"/password", map[string]string{"password": "open sesame"}, 204)
			sb.locked = page
		} else {
			// The default media store: DATA_DIR/media, keys "media/ID".
			sb.open, sb.path = page, filepath.Join(dir, "media", "media", id)
		}
	}
	return sb
}

// benchVideo makes a 20-second video at a constant 8 Mbit/s (about 20
// MB), so that Range requests move real bytes.
func benchVideo(b *testing.B) []byte {
	path := filepath.Join(b.TempDir(), "big.mp4")
	ffmpeg := testkit.RequireTool(b, "ffmpeg")
	if out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=20:size=640x360:rate=25",
		"-c:v", "libx264", "-preset", "ultrafast", "-b:v", "8M", "-minrate", "8M", "-maxrate", "8M", "-bufsize", "2M",
		"-x264-params", "nal-hrd=cbr", "-pix_fmt", "yuv420p", "-y", path).CombinedOutput(); err != nil {
		b.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return file
}

// call sends body as JSON with the admin's session.
func (sb *shareBench) call(b *testing.B, method, path string, body any, want int) map[string]any {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, sb.base+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	return send(b, req, sb.session, want)
}

// lockedPages publishes n small videos behind a password and returns
// their page paths.
func (sb *shareBench) lockedPages(b *testing.B, n int) []string {
	pages := make([]string, n)
	for i := range pages {
		id := uploadVideo(b, sb.base, sb.session, sb.ws, fmt.Sprintf("Guessed %d", i), mp4Head)
		pages[i] = "/v/" + sb.call(b, "POST", "/api/v1/videos/"+id+"/publish", nil, 200)["slug"].(string)
		sb.call(b, "PUT", "/api/v1/videos/"+id+"/password", map[string]string{"password": "open sesame"}, 204)
	}
	return pages
}

// signIns times n sign-ins of the admin, one after another, each from a
// loopback address of its own (127.3.run.i) and a browser that never
// signed in: the path of a stranger's, whom every limit applies to.
func (sb *shareBench) signIns(b *testing.B, run, n int) []time.Duration {
	body, _ := json.Marshal(map[string]string{"email": sb.email, "password": sb.password})
	lat := make([]time.Duration, n)
	for i := range n {
		dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 3, byte(run), byte(i))}}
		client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
		t := time.Now()
		res, err := client.Post(sb.base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		lat[i] = time.Since(t)
		if res.StatusCode != 200 {
			b.Fatalf("sign-in %d: %d", i, res.StatusCode)
		}
		client.CloseIdleConnections()
	}
	return lat
}

func uploadVideo(b *testing.B, base, session, ws, name string, file []byte) string {
	var body bytes.Buffer
	boundary := "troupe-bench-boundary"
	fmt.Fprintf(&body, "--%s\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n%s\r\n", boundary, name)
	fmt.Fprintf(&body, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"clip.mp4\"\r\nContent-Type: video/mp4\r\n\r\n", boundary)
	body.Write(file)
	fmt.Fprintf(&body, "\r\n--%s--\r\n", boundary)
	req, _ := http.NewRequest("POST", base+"/api/v1/workspaces/"+ws+"/videos", &body)
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	return send(b, req, session, 201)["id"].(string)
}

// send makes req with the session and wants the status want; it returns
// the JSON answer.
func send(b *testing.B, req *http.Request, session string, want int) map[string]any {
	req.AddCookie(&http.Cookie{Name: sessionCookieName, Value: session})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	if res.StatusCode != want {
		b.Fatalf("%s %s: %d %v", req.Method, req.URL.Path, res.StatusCode, m)
	}
	return m
}

// chunk is the size of each Range request of the fixed-size test.
const chunk = 256 << 10

// rangeLoad runs n Range requests from 8 clients against url, for a file
// of size bytes, and returns the bytes per second served. With open set,
// each asks for the rest of the file from a random offset ("bytes=N-", as
// browsers' players do when they start or seek); otherwise for chunk bytes
// at a random offset.
func rangeLoad(b *testing.B, url string, size, n int, open bool) float64 {
	client := &fasthttp.Client{MaxConnsPerHost: 8, ReadTimeout: 30 * time.Second, MaxResponseBodySize: size}
	var count, bytesRead atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(res)
			for count.Add(1) <= int64(n) {
				from := rng.IntN(size - chunk)
				want, rg := chunk, fmt.Sprintf("bytes=%d-%d", from, from+chunk-1)
				if open {
					want, rg = size-from, fmt.Sprintf("bytes=%d-", from)
				}
				req.Reset()
				req.SetRequestURI(url)
				req.Header.Set("Range", rg)
				// Redirects to the bucket (TROUPE_MEDIA_REDIRECT) are
				// followed with the same Range header.
				if err := client.DoRedirects(req, res, 1); err != nil || res.StatusCode() != 206 || len(res.Body()) != want {
					b.Errorf("range %s: %v %d %d", rg, err, res.StatusCode(), len(res.Body()))
					return
				}
				bytesRead.Add(int64(want))
			}
		})
	}
	wg.Wait()
	return float64(bytesRead.Load()) / time.Since(start).Seconds()
}

// rangeComparison is the bytes per second two servers gave Range requests
// for the same file, and the median and lowest ratio of ours to theirs.
type rangeComparison struct{ ours, theirs, ratio, ratioMin float64 }

// compareRanges loads ourURL and theirURL, serving the same file of size
// bytes, with the same Range requests (see rangeLoad). They are taken in
// pairs, back to back, after a warm-up of each (the client's buffers grow
// on the first run), with the order alternating; the ratio is the median
// of the pairs', so that neither the order nor what else the machine does
// at one moment favours one.
func compareRanges(b *testing.B, ourURL, theirURL string, size int, open bool) rangeComparison {
	const pairs = 20
	per := max(b.N/pairs, 8)
	rangeLoad(b, ourURL, size, per, open)
	rangeLoad(b, theirURL, size, per, open)
	b.ResetTimer()
	var r rangeComparison
	ratios := make([]float64, pairs)
	for i := range pairs {
		var o, p float64
		if i%2 == 0 {
			o = rangeLoad(b, ourURL, size, per, open)
			p = rangeLoad(b, theirURL, size, per, open)
		} else {
			p = rangeLoad(b, theirURL, size, per, open)
			o = rangeLoad(b, ourURL, size, per, open)
		}
		r.ours, r.theirs, ratios[i] = r.ours+o/pairs, r.theirs+p/pairs, o/p
	}
	slices.Sort(ratios)
	r.ratio, r.ratioMin = (ratios[pairs/2-1]+ratios[pairs/2])/2, ratios[0]
	return r
}

// startServeFile serves the stored file with http.ServeFile from a process
// of its own, as troupe serves it from its own, and returns its URL.
func startServeFile(b *testing.B, stored string) string {
	// A hard link: the very file troupe serves (same inode, same pages in
	// the page cache), under a name that gives http.ServeFile its type.
	path := filepath.Join(b.TempDir(), "same.mp4")
	if err := os.Link(stored, path); err != nil {
		b.Fatal(err)
	}
	return "http://" + startHelper(b, serveFileEnv+"="+path) + "/same.mp4"
}

// startHelper starts this test binary as one of the yardsticks of
// TestMain, chosen by env, and returns the address it listens on.
func startHelper(b *testing.B, env ...string) string {
	addr := "127.0.0.1:" + freePort(b)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(append(os.Environ(), helperAddrEnv+"="+addr), env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		if time.Since(start) > 10*time.Second {
			b.Fatalf("%v: not listening", env)
		}
	}
}

// BenchmarkSharePage measures the public share page over HTTP against a
// separate `troupe serve` process on each engine: the page's requests per
// second and p99 from 8 clients; media bytes served to Range requests as
// a ratio to Go's http.ServeFile serving the same file in the same run;
// and the p99 of page requests while an unlock flood runs.
func BenchmarkSharePage(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "troupe")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	for _, e := range testkit.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			sb := startShareBench(b, bin, e)
			b.Run("public-page", func(b *testing.B) {
				r := runLoad(b, 8, b.N, 200, "", func(int, int) string { return sb.base + sb.open })
				b.ReportMetric(r.perSecond, "pages/s")
				reportLatency(b, r.latency)
				b.ReportMetric(float64(residentKB(b, sb.pid))/1024, "server-RSS-MB")
			})
			for _, open := range []bool{true, false} {
				name := "range-vs-servefile/player-open-ended"
				if !open {
					name = "range-vs-servefile/256KiB-chunks"
				}
				b.Run(name, func(b *testing.B) {
					plainURL := startServeFile(b, sb.path)
					r := compareRanges(b, sb.base+sb.open+"/media", plainURL, len(sb.file), open)
					b.ReportMetric(r.ours/(1<<20), "troupe-MiB/s")
					b.ReportMetric(r.theirs/(1<<20), "servefile-MiB/s")
					b.ReportMetric(r.ratio, "ratio")
					b.ReportMetric(r.ratioMin, "ratio-min")
				})
			}
			floodRun := 0
			b.Run("page-p99-during-unlock-flood", func(b *testing.B) {
				// Wrong passwords from 64 client addresses, as fast as the
				// server answers, while 4 clients read the page: first
				// while every guess is hashed, then once every address is
				// answered 429. Each run floods from addresses of its own
				// (127.1.RUN.x), whose guesses no earlier run has counted.
				floodRun++
				stop := make(chan struct{})
				var flood sync.WaitGroup
				var attempts, limited, limitedAddrs atomic.Int64
				for w := range 64 {
					flood.Go(func() {
						local := &net.TCPAddr{IP: net.IPv4(127, 1, byte(floodRun), byte(10+w))}
						c := &fasthttp.Client{Dial: func(addr string) (net.Conn, error) {
							return (&net.Dialer{LocalAddr: local}).Dial("tcp", addr)
						}}
						form := url.Values{"password": {"wrong guess"}}.Encode()
						req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
						seen429 := false
						for {
							select {
							case <-stop:
								return
							default:
							}
							req.Reset()
							req.SetRequestURI(sb.base + sb.locked + "/unlock")
							req.Header.SetMethod("POST")
							req.Header.SetContentType("application/x-www-form-urlencoded")
							req.Header.Set("Sec-Fetch-Site", "same-origin")
							req.SetBodyString(form)
							if err := c.Do(req, res); err == nil {
								attempts.Add(1)
								if res.StatusCode() == 429 {
									limited.Add(1)
									if !seen429 {
										seen429 = true
										limitedAddrs.Add(1)
									}
								}
							}
						}
					})
				}
				page := func(int, int) string { return sb.base + sb.open }
				time.Sleep(500 * time.Millisecond)
				hashing := runLoad(b, 4, max(b.N/2, 1), 200, "", page)
				for deadline := time.Now().Add(2 * time.Minute); limitedAddrs.Load() < 64; time.Sleep(10 * time.Millisecond) {
					if time.Now().After(deadline) {
						b.Fatalf("after 2 minutes only %d of 64 flooding addresses were answered 429", limitedAddrs.Load())
					}
				}
				once := runLoad(b, 4, max(b.N/2, 1), 200, "", page)
				close(stop)
				flood.Wait()
				reportLatency(b, append(slices.Clone(hashing.latency), once.latency...))
				b.ReportMetric(percentileMS(hashing.latency, 0.99), "p99-ms-while-hashed")
				b.ReportMetric(percentileMS(once.latency, 0.99), "p99-ms-once-limited")
				b.ReportMetric(float64(attempts.Load()), "unlock-attempts")
				b.ReportMetric(float64(limited.Load()), "answered-429")
				if !strings.HasPrefix(sb.locked, "/v/") {
					b.Fatal("no locked page")
				}
			})
			signInRun := 0
			b.Run("signin-p50-during-unlock-flood", func(b *testing.B) {
				// Sign-ins timed one after another, in alternating rounds:
				// with nothing else running, then while 100 client
				// addresses guess the passwords of 8 fresh protected pages
				// as fast as the server answers, each address making
				// every guess the limits allow it (5 per page) and leaving
				// a page alone once answered 429, as the flood this
				// guards against did. Each page hashes 100 guesses an
				// hour, so the flood is still hashed while the sign-ins
				// are timed. Alternating keeps what else the machine does
				// at one moment from favouring either side. Each quiet
				// round waits for the queued guesses to be answered.
				signInRun++
				const rounds, perRound, addrs, nPages = 3, 12, 100, 8
				pages := sb.lockedPages(b, nPages)
				var flooding atomic.Bool
				var inFlight, hashed, limited atomic.Int64
				stop := make(chan struct{})
				var flood sync.WaitGroup
				for w := range addrs {
					flood.Go(func() {
						local := &net.TCPAddr{IP: net.IPv4(127, 4, byte(signInRun), byte(w))}
						c := &fasthttp.Client{Dial: func(addr string) (net.Conn, error) {
							return (&net.Dialer{LocalAddr: local}).Dial("tcp", addr)
						}}
						form := url.Values{"password": {"wrong guess"}}.Encode()
						req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
						refused := make([]bool, nPages)
						left := nPages
						for i := w; left > 0; i++ {
							select {
							case <-stop:
								return
							default:
							}
							if !flooding.Load() {
								time.Sleep(5 * time.Millisecond)
								continue
							}
							page := i % nPages
							if refused[page] {
								continue
							}
							req.Reset()
							req.SetRequestURI(sb.base + pages[page] + "/unlock")
							req.Header.SetMethod("POST")
							req.Header.SetContentType("application/x-www-form-urlencoded")
							req.Header.Set("Sec-Fetch-Site", "same-origin")
							req.SetBodyString(form)
							inFlight.Add(1)
							err := c.Do(req, res)
							inFlight.Add(-1)
							if err == nil {
								switch res.StatusCode() {
								case 401:
									hashed.Add(1)
								case 429:
									limited.Add(1)
									refused[page] = true
									left--
								}
							}
						}
					})
				}
				var idle, during []time.Duration
				var hashedDuring int64
				for r := range rounds {
					// Quiet: the flood paused and every guess answered.
					flooding.Store(false)
					for inFlight.Load() > 0 {
						time.Sleep(5 * time.Millisecond)
					}
					idle = append(idle, sb.signIns(b, 8*signInRun+2*r, perRound)...)
					// The flood's first requests all arrive at once; the
					// sign-ins are timed once it runs at the pace the
					// server answers it.
					flooding.Store(true)
					time.Sleep(2 * time.Second)
					before := hashed.Load()
					during = append(during, sb.signIns(b, 8*signInRun+2*r+1, perRound)...)
					hashedDuring += hashed.Load() - before
				}
				close(stop)
				flood.Wait()
				p50idle, p50flood := percentileMS(idle, 0.5), percentileMS(during, 0.5)
				b.ReportMetric(p50idle, "signin-p50-ms-idle")
				b.ReportMetric(p50flood, "signin-p50-ms-flood")
				b.ReportMetric(p50flood/p50idle, "flood/idle")
				b.ReportMetric(percentileMS(during, 0.9), "signin-p90-ms-flood")
				b.ReportMetric(float64(hashedDuring), "guesses-hashed-meanwhile")
				b.ReportMetric(float64(hashed.Load()), "guesses-hashed")
				b.ReportMetric(float64(limited.Load()), "answered-429")
				if hashedDuring == 0 {
					b.Fatal("no guess was hashed while the sign-ins were timed")
				}
			})
			beaconRun := 0
			b.Run("beacons-with-page-p99", func(b *testing.B) {
				beaconRun++
				r := sb.beacons(b, beaconRun)
				b.ReportMetric(r.perSecond, "beacons/s")
				b.ReportMetric(percentileMS(r.latency, 0.99), "page-p99-ms")
				b.ReportMetric(percentileMS(r.latency, 0.5), "page-p50-ms")
			})
		})
	}
}

// beacons sends b.N viewing reports to the open page over HTTP as fast as
// the server takes them, from 256 client addresses (127.2.run.x, as many
// visitors behind no proxy) and 20,000 viewing sessions each reporting a
// growing range, while a visitor reads the page every 5 ms; it returns
// the reports' rate and the page's latencies.
func (sb *shareBench) beacons(b *testing.B, run int) loadResult {
	const workers, addrsEach, sessions = 16, 16, 20_000
	var sent, failed atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var lat []time.Duration
	var reader sync.WaitGroup
	reader.Go(func() {
		c := &fasthttp.Client{}
		req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		for {
			req.Reset()
			req.SetRequestURI(sb.base + sb.open)
			t := time.Now()
			if err := c.Do(req, res); err == nil && res.StatusCode() == 200 {
				lat = append(lat, time.Since(t))
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			clients := make([]*fasthttp.Client, addrsEach)
			for i := range clients {
				local := &net.TCPAddr{IP: net.IPv4(127, 2, byte(run), byte(w*addrsEach+i+1))}
				clients[i] = &fasthttp.Client{Dial: func(addr string) (net.Conn, error) {
					return (&net.Dialer{LocalAddr: local}).Dial("tcp", addr)
				}}
			}
			req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			for i := 0; ; i++ {
				n := sent.Add(1)
				if n > int64(b.N) {
					return
				}
				session := n % sessions
				body := fmt.Sprintf(`{"session":"bench-%03d-%016d","watched":[[0,%d]]}`, run, session, 1000+(n/sessions)*1000)
				req.Reset()
				req.SetRequestURI(sb.base + sb.open + "/events")
				req.Header.SetMethod("POST")
				req.Header.SetContentType("text/plain")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				req.SetBodyString(body)
				if err := clients[i%addrsEach].Do(req, res); err != nil || res.StatusCode() != 204 {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	reader.Wait()
	if f := failed.Load(); f > int64(b.N)/100 {
		b.Fatalf("%d of %d reports were refused or failed", f, b.N)
	}
	if len(lat) == 0 {
		b.Fatal("the page was never read")
	}
	return loadResult{perSecond: float64(b.N) / elapsed.Seconds(), latency: lat}
}
