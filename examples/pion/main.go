// peerbook-pion: a device of a peerbook address book on pion/webrtc. It keeps its certificate and device key in
// files, connects to peerbook, waits for the user's approval, and then calls a device of the book, or answers the
// devices that call it, over a data channel: a line chat on stdin/stdout, or an echo.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/pion/webrtc/v3"
)

func main() {
	server := flag.String("url", "ws://localhost:8080/ws", "peerbook's WebSocket endpoint")
	email := flag.String("email", "", "the user whose book this device belongs to (required)")
	name := flag.String("name", "", "this device's name in the book (required)")
	kind := flag.String("kind", "", "an optional label for the book, such as server")
	certFile := flag.String("cert", "certificate.pem", "the certificate file, created on first use; its fingerprint is the device's identity")
	keyFile := flag.String("device-key", "device-key.pem", "the device key file, created on first use")
	noKey := flag.Bool("no-key", false, "connect without a device key (fingerprint only)")
	identityOnly := flag.Bool("identity", false, "print the fingerprint and device key, then exit (to provision the device beforehand)")
	call := flag.String("call", "", "call this device of the book when it is online")
	from := flag.String("from", "", "answer calls from this device only (default: any device of the book)")
	echo := flag.Bool("echo", false, "send every message back instead of chatting on stdin/stdout")
	relay := flag.Bool("relay", false, "relay-only ICE: connect through the TURN server peerbook hands out, never directly")
	loopback := flag.Bool("loopback", false, "also offer loopback candidates (both devices on one machine without a network)")
	dtlsCert := flag.String("dtls-cert", "", "present this certificate file in DTLS instead of -cert (a test of the other side's fingerprint check)")
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	if *email == "" || *name == "" {
		flag.Usage()
		os.Exit(2)
	}

	identity := Identity{Email: *email, Name: *name, Kind: *kind}
	var err error
	if identity.Certificate, err = LoadCertificate(*certFile); err != nil {
		log.Fatalf("certificate: %v", err)
	}
	fmt.Printf("fingerprint %s\n", identity.Certificate.Fingerprint)
	if time.Until(identity.Certificate.NotAfter) < 30*24*time.Hour {
		log.Printf("the certificate expires on %s: remove %s to make a new one (the user approves its fingerprint again)",
			identity.Certificate.NotAfter.Format("2006-01-02"), *certFile)
	}
	if !*noKey {
		if identity.Key, err = LoadDeviceKey(*keyFile); err != nil {
			log.Fatalf("device key: %v", err)
		}
		fmt.Printf("device key id %s\n", identity.Key.ID())
		fmt.Printf("device key %s\n", identity.Key.Public())
	}
	if *identityOnly {
		return
	}

	presented := identity.Certificate.WebRTC
	if *dtlsCert != "" {
		other, err := LoadCertificate(*dtlsCert)
		if err != nil {
			log.Fatalf("dtls certificate: %v", err)
		}
		presented = other.WebRTC
	}
	agent := &Agent{
		API:         webrtc.NewAPI(webrtc.WithSettingEngine(settings(*relay, *loopback))),
		Certificate: presented,
		Call:        *call,
		From:        *from,
		Chat:        &Chat{Echo: *echo},
		inbox:       make(chan Message, 256),
	}
	if *relay {
		agent.Policy = webrtc.ICETransportPolicyRelay
	}
	agent.Peerbook = NewPeerbook(*server, identity, agent.Handle)
	go agent.Loop()
	if !*echo {
		go agent.Chat.ReadLines(os.Stdin)
	}
	log.Fatalf("stopped: %v", agent.Peerbook.Run())
}

func settings(relay, loopback bool) webrtc.SettingEngine {
	var s webrtc.SettingEngine
	if loopback {
		s.SetIncludeLoopbackCandidate(true)
	}
	if relay {
		// pion waits 2 s before it accepts a relay pair, hoping for a direct one; with relay only there is none.
		s.SetRelayAcceptanceMinWait(0)
	}
	return s
}
