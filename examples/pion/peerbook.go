package main

// The connection to peerbook: it proves the device key when asked, follows the approval status, answers requests by
// id, reconnects with backoff, and hands everything else to a handler in the order it came.

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v3"
)

const (
	replyTimeout = 10 * time.Second
	minDelay     = 500 * time.Millisecond
	maxDelay     = 30 * time.Second
)

// Message is anything peerbook sends; which fields are set says what it is.
type Message struct {
	Code        *int                       `json:"code"`
	Text        string                     `json:"text"`
	ID          json.RawMessage            `json:"id"`
	Challenge   string                     `json:"challenge"`
	Source      string                     `json:"source"`
	Target      string                     `json:"target"`
	Fingerprint string                     `json:"fingerprint"`
	Offer       *webrtc.SessionDescription `json:"offer"`
	Answer      *webrtc.SessionDescription `json:"answer"`
	Candidate   *webrtc.ICECandidateInit   `json:"candidate"`
	PeerUpdate  *Entry                     `json:"peer_update"`
	List        []Entry                    `json:"list"`
	ICEServers  []ICEServer                `json:"ice_servers"`
	Approved    bool                       `json:"-"` // set on the status that says this device is approved
}

// Entry is a device of the user's book, as get_list and peer_update give it.
type Entry struct {
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
	Online      bool   `json:"online"`
	Event       string `json:"event"`
}

// ICEServer is one entry of ice_servers, in the browser's RTCIceServer form.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username"`
	Credential string   `json:"credential"`
}

// Identity is what the device tells peerbook about itself.
type Identity struct {
	Email, Name, Kind string
	Certificate       *Certificate
	Key               *DeviceKey // nil: connect without a device key
}

// Peerbook is one device's connection to a peerbook server.
type Peerbook struct {
	url      string
	identity Identity
	handle   func(Message)

	mu      sync.Mutex // guards the fields below; websocket writes happen under it
	conn    *websocket.Conn
	nextID  int
	pending map[string]chan Message
}

// NewPeerbook prepares a connection; handle gets every message that is not a reply to a request, one at a time.
func NewPeerbook(server string, identity Identity, handle func(Message)) *Peerbook {
	return &Peerbook{url: server, identity: identity, handle: handle, pending: map[string]chan Message{}}
}

// Run connects and reconnects after a drop, with exponential backoff and full jitter (as peerbook.js does, so that
// a node's devices do not all come back at once), until peerbook rejects or removes the device, or another
// connection of it replaces this one.
func (p *Peerbook) Run() error {
	attempt := 0
	for {
		settled, err := p.session()
		var final *finalError
		if errors.As(err, &final) {
			return err
		}
		if settled {
			attempt = 0
		}
		ceiling := minDelay << attempt
		if ceiling > maxDelay || ceiling <= 0 {
			ceiling = maxDelay
		}
		attempt++
		delay := time.Duration(rand.Int63n(int64(ceiling)))
		log.Printf("connection lost (%v); retrying in %v", err, delay.Round(time.Millisecond))
		time.Sleep(delay)
	}
}

// finalError ends Run: reconnecting would not help.
type finalError struct{ reason string }

func (e *finalError) Error() string { return e.reason }

// session is one socket from dial to close. settled tells whether peerbook answered with a status (approved or
// waiting), after which the backoff starts again from its shortest delay.
func (p *Peerbook) session() (settled bool, err error) {
	conn, response, err := websocket.DefaultDialer.Dial(p.url+"?"+p.query(), nil)
	if err != nil {
		if response != nil && (response.StatusCode == 400 || response.StatusCode == 403) {
			return false, &finalError{fmt.Sprintf("peerbook refused the connection: %s", response.Status)}
		}
		return false, err
	}
	p.mu.Lock()
	p.conn = conn
	p.mu.Unlock()
	defer p.drop(conn)

	approved := false
	for {
		var m Message
		if err := conn.ReadJSON(&m); err != nil {
			return settled, closeReason(err)
		}
		switch {
		case m.Challenge != "":
			if err := p.prove(m.Challenge); err != nil {
				return settled, err
			}
		case m.Code != nil && len(m.ID) == 0 && m.Target == "":
			settled = true
			if err := p.status(*m.Code, m.Text, &approved, &m); err != nil {
				return settled, err
			}
		case len(m.ID) > 0 && p.reply(m):
		default:
			p.handle(m)
		}
	}
}

// status follows the approval state: 401 waits on the same socket for the 200 that approval brings.
func (p *Peerbook) status(code int, text string, approved *bool, m *Message) error {
	switch {
	case code == 200:
		*approved = true
		log.Printf("status approved")
		m.Approved = true
		p.handle(*m)
	case code == 401 && *approved:
		return &finalError{"removed from the book or another fingerprint approved: " + text}
	case code == 401:
		log.Printf("status waiting: %s", text)
	case code == 403:
		return &finalError{"rejected by the user: " + text}
	case code == 503:
		log.Printf("status unavailable: %s", text)
	default:
		log.Printf("peerbook: %d %s", code, text)
	}
	return nil
}

// prove answers the challenge peerbook sends first to a device that connects with its key. A server without device
// keys ignores the key and sends the status at once, which session handles just the same.
func (p *Peerbook) prove(challenge string) error {
	key := p.identity.Key
	if key == nil {
		return &finalError{"peerbook sent a challenge, but this device connected without a key"}
	}
	signature, err := key.Prove(challenge, p.identity.Email, p.identity.Name, p.identity.Certificate.Fingerprint)
	if err != nil {
		return err
	}
	log.Printf("proving device key %s", key.ID())
	return p.Send(map[string]any{"command": "prove", "signature": signature})
}

func (p *Peerbook) query() string {
	q := url.Values{}
	q.Set("email", p.identity.Email)
	q.Set("name", p.identity.Name)
	q.Set("fingerprint", p.identity.Certificate.Fingerprint)
	if p.identity.Kind != "" {
		q.Set("kind", p.identity.Kind)
	}
	if p.identity.Key != nil {
		q.Set("key", p.identity.Key.Public())
	}
	return q.Encode()
}

// closeReason turns peerbook's close codes into final errors where the protocol says not to come back.
func closeReason(err error) error {
	var closed *websocket.CloseError
	if errors.As(err, &closed) {
		switch closed.Code {
		case 4401:
			return &finalError{"removed from the book or no longer approved: " + closed.Text}
		case 4403:
			return &finalError{"rejected by the user: " + closed.Text}
		case 4409:
			return &finalError{"replaced by another connection of this device: " + closed.Text}
		}
	}
	return err
}

// Send writes one message.
func (p *Peerbook) Send(message map[string]any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn == nil {
		return errors.New("not connected")
	}
	return p.conn.WriteJSON(message)
}

// Signal sends an offer, answer or candidate; peerbook answers only a failure, which comes to the handler.
func (p *Peerbook) Signal(message map[string]any) {
	if err := p.Send(message); err != nil {
		log.Printf("could not signal %s: %v", message["target"], err)
	}
}

// Request sends a command and waits for the reply with its id; a reply with a code of 400 or more is an error.
func (p *Peerbook) Request(message map[string]any) (Message, error) {
	p.mu.Lock()
	p.nextID++
	id := "r" + strconv.Itoa(p.nextID)
	reply := make(chan Message, 1)
	p.pending[id] = reply
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.pending, id)
		p.mu.Unlock()
	}()

	message["id"] = id
	if err := p.Send(message); err != nil {
		return Message{}, err
	}
	select {
	case m := <-reply:
		if m.Code != nil && *m.Code >= 400 {
			return m, fmt.Errorf("peerbook answered %d %s", *m.Code, m.Text)
		}
		return m, nil
	case <-time.After(replyTimeout):
		return Message{}, fmt.Errorf("no reply to %v within %v", message["command"], replyTimeout)
	}
}

// reply hands a message to the request waiting for its id, and says whether there was one.
func (p *Peerbook) reply(m Message) bool {
	var id string
	if json.Unmarshal(m.ID, &id) != nil {
		return false
	}
	p.mu.Lock()
	waiting, ok := p.pending[id]
	p.mu.Unlock()
	if ok {
		waiting <- m
	}
	return ok
}

func (p *Peerbook) drop(conn *websocket.Conn) {
	p.mu.Lock()
	if p.conn == conn {
		p.conn = nil
	}
	p.mu.Unlock()
	conn.Close()
}

// ICEServers asks peerbook for STUN and TURN servers, TURN credentials included (they are short-lived: ask for each
// connection).
func (p *Peerbook) ICEServers() ([]webrtc.ICEServer, error) {
	reply, err := p.Request(map[string]any{"command": "ice_servers"})
	if err != nil {
		return nil, err
	}
	servers := make([]webrtc.ICEServer, 0, len(reply.ICEServers))
	for _, s := range reply.ICEServers {
		server := webrtc.ICEServer{URLs: s.URLs, Username: s.Username}
		if s.Credential != "" {
			server.Credential = s.Credential
			server.CredentialType = webrtc.ICECredentialTypePassword
		}
		servers = append(servers, server)
	}
	return servers, nil
}

// List is the user's approved devices.
func (p *Peerbook) List() ([]Entry, error) {
	reply, err := p.Request(map[string]any{"command": "get_list"})
	return reply.List, err
}
