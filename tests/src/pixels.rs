//! Screenshot comparison: decode two PNGs and measure the share of pixels that differ by more
//! than a small per-channel tolerance (font anti-aliasing may differ by a few levels).

/// A channel difference above this counts the pixel as different.
const CHANNEL_TOLERANCE: i16 = 24;

pub struct Image {
    pub width: u32,
    pub height: u32,
    rgba: Vec<u8>,
}

pub fn decode(png_bytes: &[u8]) -> Result<Image, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(
        png::Transformations::normalize_to_color8() | png::Transformations::ALPHA,
    );
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or("image too large")?];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    buf.truncate(info.buffer_size());
    if info.color_type != png::ColorType::Rgba {
        return Err(format!("unexpected color type {:?}", info.color_type));
    }
    Ok(Image {
        width: info.width,
        height: info.height,
        rgba: buf,
    })
}

/// The PNG of `image` (to keep what was compared for a person to look at).
pub fn encode(image: &Image) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, image.width, image.height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&image.rgba)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

impl Image {
    /// The part `width` × `height` whose top left is at (`left`, `top`), clipped to the image.
    pub fn crop(&self, left: u32, top: u32, width: u32, height: u32) -> Image {
        let width = width.min(self.width.saturating_sub(left));
        let height = height.min(self.height.saturating_sub(top));
        let mut rgba = Vec::with_capacity((width * height * 4) as usize);
        for y in top..top + height {
            let start = ((y * self.width + left) * 4) as usize;
            rgba.extend_from_slice(&self.rgba[start..start + (width * 4) as usize]);
        }
        Image {
            width,
            height,
            rgba,
        }
    }

    /// `from`'s pixels in the rectangle (`left`, `top`, `width`, `height`), clipped to both
    /// images, copied into this one: the region then counts as matching.
    pub fn take_region(&mut self, from: &Image, left: u32, top: u32, width: u32, height: u32) {
        let right = (left.saturating_add(width)).min(self.width).min(from.width);
        let bottom = (top.saturating_add(height))
            .min(self.height)
            .min(from.height);
        for y in top..bottom {
            for x in left..right {
                let at = ((y * self.width + x) * 4) as usize;
                let source = ((y * from.width + x) * 4) as usize;
                self.rgba[at..at + 4].copy_from_slice(&from.rgba[source..source + 4]);
            }
        }
    }
}

/// The share (0..1) of differing pixels over the area both images cover.
pub fn difference(a: &Image, b: &Image) -> f64 {
    let (w, h) = (a.width.min(b.width), a.height.min(b.height));
    if w == 0 || h == 0 {
        return 1.0;
    }
    let mut differing = 0u64;
    for y in 0..h {
        for x in 0..w {
            if differs(a, b, x, y) {
                differing += 1;
            }
        }
    }
    differing as f64 / (w as f64 * h as f64)
}

/// Whether pixel (`x`, `y`) differs between `a` and `b` by more than the tolerance.
fn differs(a: &Image, b: &Image, x: u32, y: u32) -> bool {
    let ia = ((y * a.width + x) * 4) as usize;
    let ib = ((y * b.width + x) * 4) as usize;
    (0..3).any(|c| (a.rgba[ia + c] as i16 - b.rgba[ib + c] as i16).abs() > CHANNEL_TOLERANCE)
}

/// Where `a` and `b` differ: `a` faded to grey, each differing pixel red (over the area both
/// cover), for a person to see what a miss is.
pub fn difference_image(a: &Image, b: &Image) -> Image {
    let (w, h) = (a.width.min(b.width), a.height.min(b.height));
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            if differs(a, b, x, y) {
                rgba.extend_from_slice(&[255, 0, 0, 255]);
            } else {
                let ia = ((y * a.width + x) * 4) as usize;
                let grey = (a.rgba[ia] as u16 + a.rgba[ia + 1] as u16 + a.rgba[ia + 2] as u16) / 3;
                let faded = (170 + grey / 3) as u8;
                rgba.extend_from_slice(&[faded, faded, faded, 255]);
            }
        }
    }
    Image {
        width: w,
        height: h,
        rgba,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 4]) -> Image {
        let mut rgba = Vec::new();
        for y in 0..height {
            for x in 0..width {
                rgba.extend_from_slice(&f(x, y));
            }
        }
        Image {
            width,
            height,
            rgba,
        }
    }

    #[test]
    fn identical_images_do_not_differ_and_small_noise_is_tolerated() {
        let a = image(10, 10, |x, y| [x as u8 * 10, y as u8 * 10, 0, 255]);
        let b = image(10, 10, |x, y| [x as u8 * 10 + 5, y as u8 * 10, 3, 255]);
        assert_eq!(difference(&a, &a), 0.0);
        assert_eq!(difference(&a, &b), 0.0);
    }

    #[test]
    fn changed_pixels_are_counted_over_the_common_area() {
        let a = image(10, 10, |_, _| [0, 0, 0, 255]);
        let b = image(10, 12, |x, _| {
            if x < 5 {
                [255, 255, 255, 255]
            } else {
                [0, 0, 0, 255]
            }
        });
        assert!((difference(&a, &b) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn pngs_round_trip_through_the_decoder() {
        let mut bytes = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut bytes, 2, 1);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            let mut w = enc.write_header().unwrap();
            w.write_image_data(&[1, 2, 3, 255, 4, 5, 6, 255]).unwrap();
        }
        let img = decode(&bytes).unwrap();
        assert_eq!((img.width, img.height, img.rgba.len()), (2, 1, 8));
    }
}
