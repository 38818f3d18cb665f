package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"sync"

	"github.com/pion/webrtc/v3"
)

// Chat runs the data channel: each message received is printed as "<device>: <text>" on stdout; lines read from
// stdin go to the other device, or, as an echo, each message goes back as it came.
type Chat struct {
	Echo bool

	mu      sync.Mutex
	channel *webrtc.DataChannel
}

// Wire makes a data channel of this link the chat's once it opens.
func (c *Chat) Wire(channel *webrtc.DataChannel, l *Link) {
	channel.OnOpen(func() {
		c.mu.Lock()
		c.channel = channel
		c.mu.Unlock()
		log.Printf("connected to %s, fingerprint verified %s (%s)", l.remote, l.fingerprint, l.pair())
	})
	channel.OnMessage(func(message webrtc.DataChannelMessage) {
		text := string(message.Data)
		fmt.Printf("%s: %s\n", l.remote, text)
		if c.Echo {
			if err := channel.SendText(text); err != nil {
				log.Printf("echo to %s: %v", l.remote, err)
			}
		}
	})
	channel.OnClose(func() {
		c.mu.Lock()
		if c.channel == channel {
			c.channel = nil
		}
		c.mu.Unlock()
		log.Printf("channel to %s closed", l.remote)
	})
}

// ReadLines sends each line of input to the connected device.
func (c *Chat) ReadLines(input io.Reader) {
	lines := bufio.NewScanner(input)
	for lines.Scan() {
		c.mu.Lock()
		channel := c.channel
		c.mu.Unlock()
		if channel == nil {
			log.Printf("not connected: %q not sent", lines.Text())
			continue
		}
		if err := channel.SendText(lines.Text()); err != nil {
			log.Printf("send: %v", err)
		}
	}
}
