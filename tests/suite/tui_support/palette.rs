//! Terminal palettes, to check that what the UI draws reads on dark and on light backgrounds.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

type Rgb = (u8, u8, u8);

/// A terminal's 16 ANSI colours (in `Color` order, black to white) and its default colours.
pub struct Palette {
    pub name: &'static str,
    ansi: [Rgb; 16],
    fg: Rgb,
    bg: Rgb,
}

const XTERM: [Rgb; 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

/// GNOME Terminal's Tango colours.
const TANGO: [Rgb; 16] = [
    (46, 52, 54),
    (204, 0, 0),
    (78, 154, 6),
    (196, 160, 0),
    (52, 101, 164),
    (117, 80, 123),
    (6, 152, 154),
    (211, 215, 207),
    (85, 87, 83),
    (239, 41, 41),
    (138, 226, 52),
    (252, 233, 79),
    (114, 159, 207),
    (173, 127, 168),
    (52, 226, 226),
    (238, 238, 236),
];

pub const PALETTES: [Palette; 4] = [
    Palette { name: "xterm on black", ansi: XTERM, fg: (229, 229, 229), bg: (0, 0, 0) },
    Palette { name: "xterm on white", ansi: XTERM, fg: (0, 0, 0), bg: (255, 255, 255) },
    Palette { name: "Tango dark", ansi: TANGO, fg: (211, 215, 207), bg: (46, 52, 54) },
    Palette { name: "Tango light", ansi: TANGO, fg: (46, 52, 54), bg: (255, 255, 255) },
];

/// WCAG's minimum for large or bold text and for interface parts.
pub const MIN_CONTRAST: f64 = 3.0;

impl Palette {
    fn rgb(&self, color: Color, default: Rgb) -> Rgb {
        let index = match color {
            Color::Reset => return default,
            Color::Black => 0,
            Color::Red => 1,
            Color::Green => 2,
            Color::Yellow => 3,
            Color::Blue => 4,
            Color::Magenta => 5,
            Color::Cyan => 6,
            Color::Gray => 7,
            Color::DarkGray => 8,
            Color::LightRed => 9,
            Color::LightGreen => 10,
            Color::LightYellow => 11,
            Color::LightBlue => 12,
            Color::LightMagenta => 13,
            Color::LightCyan => 14,
            Color::White => 15,
            other => panic!("{other:?} is not one of the 16 named colours"),
        };
        self.ansi[index]
    }

    /// The contrast of each cell that shows a glyph, as the terminal would draw it.
    pub fn low_contrast_cells(&self, buffer: &Buffer) -> Vec<String> {
        let mut low = Vec::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                let cell = &buffer[(x, y)];
                if cell.symbol().trim().is_empty() || is_graphic(cell.symbol()) {
                    continue;
                }
                let mut fg = self.rgb(cell.fg, self.fg);
                let mut bg = self.rgb(cell.bg, self.bg);
                if cell.modifier.contains(Modifier::REVERSED) {
                    std::mem::swap(&mut fg, &mut bg);
                }
                let ratio = contrast(fg, bg);
                if ratio < MIN_CONTRAST {
                    low.push(format!("({x},{y}) {:?} {:?} on {:?}: {ratio:.2}", cell.symbol(), cell.fg, cell.bg));
                }
            }
        }
        low
    }
}

fn luminance((r, g, b): Rgb) -> f64 {
    let channel = |value: u8| {
        let v = f64::from(value) / 255.0;
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Lines and blocks (borders, bars) are shapes, not text to read: they may use a colour on the
/// terminal's own background.
fn is_graphic(symbol: &str) -> bool {
    symbol.chars().all(|c| ('\u{2500}'..='\u{259f}').contains(&c))
}
