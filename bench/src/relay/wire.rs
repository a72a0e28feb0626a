//! A minimal WebSocket client for the load generator: the upgrade handshake, binary frames out,
//! server frames parsed in place. The generator has one core for thousands of sockets, so it
//! writes one prebuilt buffer per frame and reads many frames per system call; a general client
//! (tokio-tungstenite) would make the generator, not the relay, the bottleneck sooner.

use std::io;
use std::net::SocketAddr;
use std::ops::Range;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

pub const OP_BINARY: u8 = 0x2;
pub const OP_CLOSE: u8 = 0x8;

/// Bytes a read may add at once: dozens of 0.5 KiB frames per system call under load.
const READ_CHUNK: usize = 16 * 1024;

fn invalid(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

/// Appends one final client frame. Clients must mask (RFC 6455 §5.3) but choose the key; the
/// all-zero key leaves the payload as it is, which spares the generator a copy and an XOR.
pub fn encode_frame(opcode: u8, payload: &[u8], out: &mut Vec<u8>) {
    out.push(0x80 | opcode);
    let len = payload.len();
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if len <= 0xffff {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(payload);
}

/// The frame at the start of `buf`: its opcode and where its payload lies, or `None` while it
/// is incomplete. Neither relay fragments or masks what it sends, so both are errors here.
pub fn parse_frame(buf: &[u8]) -> io::Result<Option<(u8, Range<usize>)>> {
    let [b0, b1, ..] = *buf else { return Ok(None) };
    if b0 & 0x80 == 0 {
        return Err(invalid("a fragmented frame from the server"));
    }
    if b1 & 0x80 != 0 {
        return Err(invalid("a masked frame from the server"));
    }
    let (len, at) = match b1 & 0x7f {
        126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
        127 if buf.len() >= 10 => {
            let n = u64::from_be_bytes(buf[2..10].try_into().expect("8 bytes"));
            (
                usize::try_from(n).map_err(|_| invalid("frame too large"))?,
                10,
            )
        }
        126 | 127 => return Ok(None),
        n => (n as usize, 2),
    };
    if buf.len() < at + len {
        return Ok(None);
    }
    Ok(Some((b0 & 0x0f, at..at + len)))
}

/// Opens a WebSocket to `path`, with an `Origin` header when given.
pub async fn connect(
    addr: SocketAddr,
    path: &str,
    origin: Option<&str>,
) -> io::Result<(Reader, Writer)> {
    let mut stream = TcpStream::connect(addr).await?;
    // Frames are small and latency is the figure: no Nagle delay on our side.
    stream.set_nodelay(true)?;
    let origin = origin.map_or(String::new(), |o| format!("Origin: {o}\r\n"));
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{origin}\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut buf = Vec::with_capacity(1024);
    let end = loop {
        if stream.read_buf(&mut buf).await? == 0 {
            return Err(invalid(format!("{path}: closed during the handshake")));
        }
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 16 * 1024 {
            return Err(invalid(format!("{path}: handshake response too long")));
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]);
    if !head.starts_with("HTTP/1.1 101") {
        let status = head.lines().next().unwrap_or("").to_string();
        return Err(invalid(format!("{path}: upgrade refused: {status}")));
    }
    buf.drain(..end);
    let (r, w) = stream.into_split();
    Ok((
        Reader { r, buf, start: 0 },
        Writer {
            w,
            out: Vec::with_capacity(1024),
        },
    ))
}

/// The read half: frames come out of one growing buffer that is compacted on each read.
pub struct Reader {
    r: OwnedReadHalf,
    buf: Vec<u8>,
    start: usize,
}

impl Reader {
    /// The next frame already read, if complete. Its range is valid until the next `fill`.
    pub fn next_buffered(&mut self) -> io::Result<Option<(u8, Range<usize>)>> {
        let Some((op, r)) = parse_frame(&self.buf[self.start..])? else {
            return Ok(None);
        };
        let at = self.start;
        self.start += r.end;
        Ok(Some((op, at + r.start..at + r.end)))
    }

    pub fn bytes(&self, range: Range<usize>) -> &[u8] {
        &self.buf[range]
    }

    /// Reads once from the socket (cancel-safe); false at the end of the stream.
    pub async fn fill(&mut self) -> io::Result<bool> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.reserve(READ_CHUNK);
        Ok(self.r.read_buf(&mut self.buf).await? > 0)
    }

    /// The next frame, reading as needed; `None` at the end of the stream.
    pub async fn next(&mut self) -> io::Result<Option<(u8, Range<usize>)>> {
        loop {
            if let Some(frame) = self.next_buffered()? {
                return Ok(Some(frame));
            }
            if !self.fill().await? {
                return Ok(None);
            }
        }
    }
}

pub struct Writer {
    w: OwnedWriteHalf,
    out: Vec<u8>,
}

impl Writer {
    /// Writes one binary frame with a single system call when the socket has room.
    pub async fn send(&mut self, payload: &[u8]) -> io::Result<()> {
        self.out.clear();
        encode_frame(OP_BINARY, payload, &mut self.out);
        self.w.write_all(&self.out).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a server sends: the same header without the mask bit and key.
    fn server_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut masked = Vec::new();
        encode_frame(opcode, payload, &mut masked);
        let mut f = vec![masked[0], masked[1] & 0x7f];
        let ext = match masked[1] & 0x7f {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        f.extend_from_slice(&masked[2..2 + ext]);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn client_frames_carry_the_length_in_the_shortest_form_and_a_zero_mask() {
        for (len, header) in [(5usize, 2usize), (126, 4), (512, 4), (70_000, 10)] {
            let payload = vec![7u8; len];
            let mut out = Vec::new();
            encode_frame(OP_BINARY, &payload, &mut out);
            assert_eq!(out.len(), header + 4 + len, "{len}");
            assert_eq!(out[0], 0x82);
            assert_ne!(out[1] & 0x80, 0, "masked");
            assert_eq!(&out[header..header + 4], &[0; 4]);
            assert_eq!(&out[header + 4..], &payload[..]);
        }
    }

    #[test]
    fn server_frames_parse_only_when_complete() {
        for len in [0usize, 125, 126, 520, 70_000] {
            let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let f = server_frame(OP_BINARY, &payload);
            for cut in [0, 1, f.len().saturating_sub(1)] {
                if cut < f.len() {
                    assert!(
                        parse_frame(&f[..cut]).unwrap().is_none(),
                        "{len} cut at {cut}"
                    );
                }
            }
            let mut two = f.clone();
            two.extend_from_slice(&server_frame(OP_CLOSE, b"bye"));
            let (op, r) = parse_frame(&two).unwrap().unwrap();
            assert_eq!(op, OP_BINARY);
            assert_eq!(&two[r.clone()], &payload[..]);
            let (op, r2) = parse_frame(&two[r.end..]).unwrap().unwrap();
            assert_eq!((op, &two[r.end..][r2]), (OP_CLOSE, &b"bye"[..]));
        }
    }

    #[test]
    fn masked_or_fragmented_server_frames_are_errors() {
        assert!(parse_frame(&[0x02, 0x00]).is_err());
        assert!(parse_frame(&[0x82, 0x80, 0, 0, 0, 0]).is_err());
    }
}
