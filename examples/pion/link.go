package main

import (
	"log"
	"sync"

	"github.com/pion/webrtc/v3"
)

// Link is one WebRTC connection to one remote device, with the candidates that wait for their turn: ours until our
// offer or answer is sent (sent before it, they would reach a device that does not know this connection yet),
// theirs until their description is set.
type Link struct {
	remote      string
	fingerprint string // the remote device's, as peerbook vouches for it
	pc          *webrtc.PeerConnection
	peerbook    *Peerbook

	mu        sync.Mutex
	sent      bool
	held      []webrtc.ICECandidateInit
	remoteSet bool
	early     []webrtc.ICECandidateInit
	gathered  map[string]int // our candidates by type
}

// local trickles one of our candidates through peerbook, or holds it; nil means gathering is complete.
func (l *Link) local(candidate *webrtc.ICECandidate) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if candidate == nil {
		log.Printf("gathered %d candidates: host %d, srflx %d, relay %d",
			l.gathered["host"]+l.gathered["srflx"]+l.gathered["prflx"]+l.gathered["relay"],
			l.gathered["host"], l.gathered["srflx"], l.gathered["relay"])
		return
	}
	l.gathered[candidate.Typ.String()]++
	if l.sent {
		l.signal(candidate.ToJSON())
	} else {
		l.held = append(l.held, candidate.ToJSON())
	}
}

// release sends the held candidates once our description is on its way, and the later ones at once.
func (l *Link) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = true
	for _, c := range l.held {
		l.signal(c)
	}
	l.held = nil
}

func (l *Link) signal(candidate webrtc.ICECandidateInit) {
	l.peerbook.Signal(map[string]any{"target": l.remote, "fingerprint": l.fingerprint, "candidate": candidate})
}

// add takes a remote candidate, or keeps it until the remote description is set.
func (l *Link) add(candidate webrtc.ICECandidateInit) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.remoteSet {
		l.early = append(l.early, candidate)
		return
	}
	if err := l.pc.AddICECandidate(candidate); err != nil {
		log.Printf("candidate from %s: %v", l.remote, err)
	}
}

// addEarly adds the remote candidates that came before the remote description, once it is set.
func (l *Link) addEarly() {
	l.mu.Lock()
	early := l.early
	l.early = nil
	l.remoteSet = true
	l.mu.Unlock()
	for _, c := range early {
		if err := l.pc.AddICECandidate(c); err != nil {
			log.Printf("candidate from %s: %v", l.remote, err)
		}
	}
}

// pair names the types of the selected candidate pair, e.g. "local relay, remote relay".
func (l *Link) pair() string {
	pair, err := l.pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		return "no selected candidate pair"
	}
	return "local " + pair.Local.Typ.String() + ", remote " + pair.Remote.Typ.String()
}
