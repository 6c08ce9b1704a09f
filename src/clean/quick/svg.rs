//! The names html5ever adjusts in SVG, and the HTML tags that end it.

use html5ever::{LocalName, QualName, ns};

use super::StartTag;

/// The HTML tags that end foreign content in html5ever (`font` only with these attributes).
pub(super) fn breaks_out_of_svg(tag: &StartTag) -> bool {
    match &*tag.name {
        "b" | "big" | "blockquote" | "body" | "br" | "center" | "code" | "dd" | "div" | "dl"
        | "dt" | "em" | "embed" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "head" | "hr" | "i"
        | "img" | "li" | "listing" | "menu" | "meta" | "nobr" | "ol" | "p" | "pre" | "ruby"
        | "s" | "small" | "span" | "strong" | "strike" | "sub" | "sup" | "table" | "tt" | "u"
        | "ul" | "var" => true,
        "font" => tag
            .attrs
            .iter()
            .any(|a| matches!(&*a.name.local, "color" | "face" | "size")),
        _ => false,
    }
}

/// SVG element names with capitals, which html5ever restores from the lowercased tag.
pub(super) const SVG_ELEMENTS: &[&str] = &[
    "altGlyph",
    "altGlyphDef",
    "altGlyphItem",
    "animateColor",
    "animateMotion",
    "animateTransform",
    "clipPath",
    "feBlend",
    "feColorMatrix",
    "feComponentTransfer",
    "feComposite",
    "feConvolveMatrix",
    "feDiffuseLighting",
    "feDisplacementMap",
    "feDistantLight",
    "feDropShadow",
    "feFlood",
    "feFuncA",
    "feFuncB",
    "feFuncG",
    "feFuncR",
    "feGaussianBlur",
    "feImage",
    "feMerge",
    "feMergeNode",
    "feMorphology",
    "feOffset",
    "fePointLight",
    "feSpecularLighting",
    "feSpotLight",
    "feTile",
    "feTurbulence",
    "foreignObject",
    "glyphRef",
    "linearGradient",
    "radialGradient",
    "textPath",
];

/// SVG attribute names with capitals, restored the same way.
const SVG_ATTRIBUTES: &[&str] = &[
    "attributeName",
    "attributeType",
    "baseFrequency",
    "baseProfile",
    "calcMode",
    "clipPathUnits",
    "diffuseConstant",
    "edgeMode",
    "filterUnits",
    "glyphRef",
    "gradientTransform",
    "gradientUnits",
    "kernelMatrix",
    "kernelUnitLength",
    "keyPoints",
    "keySplines",
    "keyTimes",
    "lengthAdjust",
    "limitingConeAngle",
    "markerHeight",
    "markerUnits",
    "markerWidth",
    "maskContentUnits",
    "maskUnits",
    "numOctaves",
    "pathLength",
    "patternContentUnits",
    "patternTransform",
    "patternUnits",
    "pointsAtX",
    "pointsAtY",
    "pointsAtZ",
    "preserveAlpha",
    "preserveAspectRatio",
    "primitiveUnits",
    "refX",
    "refY",
    "repeatCount",
    "repeatDur",
    "requiredExtensions",
    "requiredFeatures",
    "specularConstant",
    "specularExponent",
    "spreadMethod",
    "startOffset",
    "stdDeviation",
    "stitchTiles",
    "surfaceScale",
    "systemLanguage",
    "tableValues",
    "targetX",
    "targetY",
    "textLength",
    "viewBox",
    "viewTarget",
    "xChannelSelector",
    "yChannelSelector",
    "zoomAndPan",
];

/// An attribute's name in SVG as html5ever adjusts it: capitals restored, and the `xlink:`,
/// `xml:` and `xmlns` names put in their namespaces.
pub(super) fn adjusted_svg_attribute(name: &str) -> Option<QualName> {
    use html5ever::{Namespace, Prefix};
    let namespaced = |prefix: Option<&str>, ns: Namespace, local: &str| {
        Some(QualName::new(
            prefix.map(Prefix::from),
            ns,
            LocalName::from(local),
        ))
    };
    match name {
        "xlink:actuate" | "xlink:arcrole" | "xlink:href" | "xlink:role" | "xlink:show"
        | "xlink:title" | "xlink:type" => namespaced(Some("xlink"), ns!(xlink), &name[6..]),
        "xml:lang" | "xml:space" => namespaced(Some("xml"), ns!(xml), &name[4..]),
        "xmlns" => namespaced(None, ns!(xmlns), "xmlns"),
        "xmlns:xlink" => namespaced(Some("xmlns"), ns!(xmlns), "xlink"),
        _ => SVG_ATTRIBUTES
            .iter()
            .find(|camel| camel.eq_ignore_ascii_case(name))
            .and_then(|camel| namespaced(None, ns!(), camel)),
    }
}
