package main

// The device's WebRTC side: one connection at a time, to the peer it calls or to a peer that calls it. It accepts a
// remote description only if its DTLS fingerprint is the one peerbook stamped on the message, so that only the
// certificate the user approved can complete a connection, whoever relays or forges signaling.

import (
	"errors"
	"fmt"
	"log"
	"regexp"
	"strings"

	"github.com/pion/webrtc/v3"
)

// Agent handles peerbook's messages one at a time, on its own goroutine: a handler may wait for a reply from
// peerbook, which the reading goroutine delivers meanwhile.
type Agent struct {
	Peerbook    *Peerbook
	API         *webrtc.API
	Certificate webrtc.Certificate // what DTLS presents
	Policy      webrtc.ICETransportPolicy
	Call        string // the device to call when it is online; empty: wait for calls
	From        string // answer only this device; empty: any device of the book
	Chat        *Chat

	inbox chan Message
	link  *Link
}

// Handle queues a message from peerbook; Loop handles it.
func (a *Agent) Handle(m Message) {
	a.inbox <- m
}

// Loop handles queued messages until the program ends.
func (a *Agent) Loop() {
	for m := range a.inbox {
		if err := a.dispatch(m); err != nil {
			log.Printf("%v", err)
		}
	}
}

func (a *Agent) dispatch(m Message) error {
	switch {
	case m.Approved:
		return a.callIfOnline()
	case m.PeerUpdate != nil:
		return a.update(*m.PeerUpdate)
	case m.Offer != nil:
		return a.answer(m.Source, m.Fingerprint, *m.Offer)
	case m.Answer != nil:
		return a.accept(m.Source, m.Fingerprint, *m.Answer)
	case m.Source != "":
		a.candidate(m.Source, m.Candidate)
	case m.Code != nil:
		log.Printf("peerbook: %d %s", *m.Code, m.Text)
	}
	return nil
}

// callIfOnline calls the device to call once this one is approved, also after a reconnect to peerbook, unless the
// connection to it still works: peer-to-peer traffic does not depend on the socket to peerbook. "Disconnected" counts
// as working: ICE says so after a few seconds without a check's answer (a machine that slept, a process that was
// stopped) and goes back to connected by itself; only "failed" and "closed" are final.
func (a *Agent) callIfOnline() error {
	if a.Call == "" {
		return nil
	}
	if l := a.link; l != nil && strings.EqualFold(l.remote, a.Call) &&
		(l.pc.ConnectionState() == webrtc.PeerConnectionStateConnected ||
			l.pc.ConnectionState() == webrtc.PeerConnectionStateDisconnected) {
		log.Printf("still connected to %s: no new call", l.remote)
		return nil
	}
	list, err := a.Peerbook.List()
	if err != nil {
		return err
	}
	for _, entry := range list {
		if strings.EqualFold(entry.Name, a.Call) && entry.Online {
			return a.dial(entry)
		}
	}
	log.Printf("waiting for %s to come online", a.Call)
	return nil
}

// update follows the device this one talks to: the connection ends when that device leaves, and the device to call
// is called when it comes online (again: it may have restarted), unless a call to it is already under way.
func (a *Agent) update(u Entry) error {
	log.Printf("peer %s: %s", u.Name, u.Event)
	linked := a.link != nil && strings.EqualFold(a.link.remote, u.Name)
	if linked && !u.Online {
		a.close()
		linked = false
	}
	if a.Call != "" && strings.EqualFold(u.Name, a.Call) && u.Online && !linked {
		return a.dial(u)
	}
	return nil
}

// dial offers a connection to a device of the book, whose fingerprint peerbook vouches for.
func (a *Agent) dial(remote Entry) error {
	log.Printf("calling %s", remote.Name)
	l, err := a.open(remote.Name, remote.Fingerprint)
	if err != nil {
		return err
	}
	channel, err := l.pc.CreateDataChannel("chat", nil)
	if err != nil {
		return err
	}
	a.Chat.Wire(channel, l)
	offer, err := l.pc.CreateOffer(nil)
	if err != nil {
		return err
	}
	if err := l.pc.SetLocalDescription(offer); err != nil {
		return err
	}
	a.Peerbook.Signal(map[string]any{"target": remote.Name, "offer": offer})
	l.release()
	return nil
}

func (a *Agent) answer(source, fingerprint string, offer webrtc.SessionDescription) error {
	if a.From != "" && !strings.EqualFold(source, a.From) {
		log.Printf("ignoring an offer from %s: answering %s only", source, a.From)
		return nil
	}
	if err := CheckFingerprint(offer.SDP, fingerprint); err != nil {
		return fmt.Errorf("refused %s: %w", source, err)
	}
	l, err := a.open(source, fingerprint)
	if err != nil {
		return err
	}
	l.pc.OnDataChannel(func(channel *webrtc.DataChannel) { a.Chat.Wire(channel, l) })
	if err := l.pc.SetRemoteDescription(offer); err != nil {
		return err
	}
	l.addEarly()
	answer, err := l.pc.CreateAnswer(nil)
	if err != nil {
		return err
	}
	if err := l.pc.SetLocalDescription(answer); err != nil {
		return err
	}
	a.Peerbook.Signal(map[string]any{"target": source, "fingerprint": fingerprint, "answer": answer})
	l.release()
	return nil
}

// accept takes the answer to our offer: it must carry the fingerprint of the device we called, both as the book
// listed it and as peerbook stamped it on the answer.
func (a *Agent) accept(source, fingerprint string, answer webrtc.SessionDescription) error {
	l := a.link
	if l == nil || !strings.EqualFold(l.remote, source) {
		return nil
	}
	err := CheckFingerprint(answer.SDP, l.fingerprint)
	if err == nil {
		err = CheckFingerprint(answer.SDP, fingerprint)
	}
	if err != nil {
		a.close()
		return fmt.Errorf("refused %s: %w", source, err)
	}
	if err := l.pc.SetRemoteDescription(answer); err != nil {
		return err
	}
	l.addEarly()
	return nil
}

func (a *Agent) candidate(source string, candidate *webrtc.ICECandidateInit) {
	if a.link == nil || !strings.EqualFold(a.link.remote, source) || candidate == nil || candidate.Candidate == "" {
		return
	}
	a.link.add(*candidate)
}

// open replaces the current connection with a new one to this device.
func (a *Agent) open(remote, fingerprint string) (*Link, error) {
	a.close()
	servers, err := a.Peerbook.ICEServers()
	if err != nil {
		return nil, err
	}
	pc, err := a.API.NewPeerConnection(webrtc.Configuration{
		Certificates:       []webrtc.Certificate{a.Certificate},
		ICEServers:         servers,
		ICETransportPolicy: a.Policy,
	})
	if err != nil {
		return nil, err
	}
	l := &Link{remote: remote, fingerprint: Canonical(fingerprint), pc: pc, peerbook: a.Peerbook, gathered: map[string]int{}}
	pc.OnICECandidate(l.local)
	pc.OnConnectionStateChange(func(state webrtc.PeerConnectionState) {
		log.Printf("connection to %s: %s", remote, state)
	})
	a.link = l
	return l, nil
}

func (a *Agent) close() {
	if a.link != nil {
		a.link.pc.Close()
		a.link = nil
	}
}

var fingerprintLine = regexp.MustCompile(`(?m)^a=fingerprint:\S+\s+([0-9A-Fa-f:]+)\s*$`)

// CheckFingerprint refuses a description unless every a=fingerprint line in it is the expected fingerprint. (The
// browser's checkFingerprint looks at the first line; DTLS stacks differ in which line they use, so all must agree.)
func CheckFingerprint(sdp, expected string) error {
	lines := fingerprintLine.FindAllStringSubmatch(sdp, -1)
	if len(lines) == 0 {
		return errors.New("the description has no a=fingerprint")
	}
	for _, line := range lines {
		if actual := Canonical(line[1]); actual != Canonical(expected) {
			return fmt.Errorf("DTLS fingerprint %s is not the one peerbook vouches for (%s)", actual, Canonical(expected))
		}
	}
	return nil
}
