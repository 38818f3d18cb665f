package main

// A device's identity: its DTLS certificate (whose fingerprint is what the user approves) and its device key (which
// proves to peerbook that this is the device, since a fingerprint is public). Both live in PEM files that the device
// creates once and keeps: a new certificate is a new fingerprint, which the user has to approve again.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/pion/webrtc/v3"
)

// certificateYears is how long a new certificate is valid. pion's GenerateCertificate gives 30 days, after which
// the fingerprint would change and the user would have to approve the device again.
const certificateYears = 10

// Certificate is the device's DTLS certificate with its fingerprint in peerbook's form.
type Certificate struct {
	WebRTC      webrtc.Certificate
	Fingerprint string
	NotAfter    time.Time
}

// LoadCertificate reads the certificate file, creating it first if it does not exist. The file is a standard PEM
// (a CERTIFICATE block, then a PKCS#8 PRIVATE KEY block) that openssl and the Python example read too; pion
// 3.1.56's own Certificate.PEM() encodes twice and cannot be read back.
func LoadCertificate(path string) (*Certificate, error) {
	file, err := openPEM(path, newCertificate)
	if err != nil {
		return nil, err
	}
	cert, err := file.certificate()
	if err != nil {
		return nil, err
	}
	key, err := file.privateKey()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(cert.Raw)
	return &Certificate{
		WebRTC:      webrtc.CertificateFromX509(key, cert),
		Fingerprint: Canonical(hex.EncodeToString(sum[:])),
		NotAfter:    cert.NotAfter,
	}, nil
}

// newCertificate makes a self-signed ECDSA P-256 certificate as webrtc.NewCertificate does, but keeps its DER,
// which NewCertificate does not hand out.
func newCertificate() ([]pem.Block, error) {
	key, keyBlock, err := newKey()
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	template := x509.Certificate{
		SerialNumber:       serial,
		Subject:            pkix.Name{CommonName: "peerbook peer"},
		NotBefore:          now.AddDate(0, 0, -1),
		NotAfter:           now.AddDate(certificateYears, 0, 0),
		SignatureAlgorithm: x509.ECDSAWithSHA256,
	}
	der, err := x509.CreateCertificate(rand.Reader, &template, &template, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return []pem.Block{{Type: "CERTIFICATE", Bytes: der}, keyBlock}, nil
}

// DeviceKey is the ECDSA P-256 key whose public half peerbook binds to the device when the user approves it.
type DeviceKey struct {
	private *ecdsa.PrivateKey
	spki    []byte
}

// LoadDeviceKey reads the device key file (one PKCS#8 PRIVATE KEY block), creating it first if it does not exist.
func LoadDeviceKey(path string) (*DeviceKey, error) {
	file, err := openPEM(path, func() ([]pem.Block, error) {
		_, block, err := newKey()
		return []pem.Block{block}, err
	})
	if err != nil {
		return nil, err
	}
	key, err := file.privateKey()
	if err != nil {
		return nil, err
	}
	if key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%s: the device key must be P-256", path)
	}
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	return &DeviceKey{private: key, spki: spki}, nil
}

// Public is the `key` parameter of /ws: base64url, no padding, of the public key's SubjectPublicKeyInfo DER.
func (k *DeviceKey) Public() string {
	return base64.RawURLEncoding.EncodeToString(k.spki)
}

// ID is the key id that peerbook's mail and page show, for the user to compare with what the device prints: the
// first 16 hex digits of SHA-256 of the SPKI DER, upper-case, in groups of four joined by "-".
func (k *DeviceKey) ID() string {
	sum := sha256.Sum256(k.spki)
	digits := strings.ToUpper(hex.EncodeToString(sum[:8]))
	return digits[0:4] + "-" + digits[4:8] + "-" + digits[8:12] + "-" + digits[12:16]
}

// Prove signs peerbook's challenge: ECDSA-SHA256 (ASN.1 DER) over the UTF-8 of
// "peerbook-device-proof\n<challenge>\n<email lower-case>\n<name as sent>\n<fingerprint AB:CD:…>".
func (k *DeviceKey) Prove(challenge, email, name, fingerprint string) (string, error) {
	statement := strings.Join([]string{"peerbook-device-proof", challenge,
		strings.ToLower(strings.TrimSpace(email)), name, Canonical(fingerprint)}, "\n")
	digest := sha256.Sum256([]byte(statement))
	signature, err := ecdsa.SignASN1(rand.Reader, k.private, digest[:])
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(signature), nil
}

// Canonical writes a fingerprint in peerbook's form: upper-case hex pairs joined by colons, without the algorithm
// word ("sha-256 ab:cd…", "AB:CD…" and "abcd…" all become "AB:CD:…").
func Canonical(fingerprint string) string {
	value := strings.TrimSpace(fingerprint)
	if i := strings.LastIndexAny(value, " \t"); i >= 0 {
		value = value[i+1:]
	}
	digits := strings.ToUpper(strings.ReplaceAll(value, ":", ""))
	pairs := make([]string, 0, len(digits)/2)
	for i := 0; i+1 < len(digits); i += 2 {
		pairs = append(pairs, digits[i:i+2])
	}
	return strings.Join(pairs, ":")
}

// newKey makes an ECDSA P-256 key and its PKCS#8 PEM block.
func newKey() (*ecdsa.PrivateKey, pem.Block, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, pem.Block{}, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	return key, pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}, err
}

// openPEM reads a PEM file, writing it first with the blocks create makes if it does not exist yet.
func openPEM(path string, create func() ([]pem.Block, error)) (pemFile, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		blocks, err := create()
		if err != nil {
			return pemFile{}, err
		}
		if err := writePEM(path, blocks...); err != nil {
			return pemFile{}, err
		}
	}
	return readPEM(path)
}

// pemFile is a PEM file's blocks by type.
type pemFile struct {
	path   string
	blocks map[string][]byte
}

func readPEM(path string) (pemFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return pemFile{}, err
	}
	file := pemFile{path: path, blocks: map[string][]byte{}}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return file, nil
		}
		file.blocks[block.Type] = block.Bytes
	}
}

func (f pemFile) certificate() (*x509.Certificate, error) {
	der, err := f.block("CERTIFICATE")
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	return cert, nil
}

func (f pemFile) privateKey() (*ecdsa.PrivateKey, error) {
	der, err := f.block("PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: the private key is not an ECDSA key", f.path)
	}
	return key, nil
}

func (f pemFile) block(kind string) ([]byte, error) {
	der, ok := f.blocks[kind]
	if !ok {
		return nil, fmt.Errorf("%s holds no %s block", f.path, kind)
	}
	return der, nil
}

// writePEM creates the file readable by its owner only: it holds a private key.
func writePEM(path string, blocks ...pem.Block) error {
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	for i := range blocks {
		if err := pem.Encode(file, &blocks[i]); err != nil {
			file.Close()
			return err
		}
	}
	return file.Close()
}
