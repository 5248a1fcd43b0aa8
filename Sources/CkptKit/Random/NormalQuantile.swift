/// Branch-free inverse normal CDF kernels for the sampling loops.
///
/// Both take the probability `p` in two forms, each computed by the caller with relative
/// precision: `q = p − ½` (used in the central region) and `r = min(p, 1 − p)` (used in the
/// tails). Working from `r` rather than `p` keeps the tails accurate: `1 − p` is never formed
/// by subtraction near 1. Every lane evaluates every branch and the result is selected, so the
/// loops that call these vectorise.
///
/// The rational approximations are Wichura's, Applied Statistics algorithm AS 241 (1988):
/// PPND16 (relative error about 1e-16) for float64 and PPND7 (about 1e-7) for float32.
enum NormalQuantile {
    // MARK: float64: AS 241 PPND16

    /// The branch of PPND16 for |q| ≤ 0.425 (r ≥ 0.075): q·A(s)/B(s), s = 0.180625 − q².
    @inline(__always)
    static func doubleCentral(q: Double) -> Double {
        let s = 0.180625 - q * q
        var an = 2.5090809287301226727e3
        an = an * s + 3.3430575583588128105e4
        an = an * s + 6.7265770927008700853e4
        an = an * s + 4.5921953931549871457e4
        an = an * s + 1.3731693765509461125e4
        an = an * s + 1.9715909503065514427e3
        an = an * s + 1.3314166789178437745e2
        an = an * s + 3.3871328727963666080
        var ad = 5.2264952788528545610e3
        ad = ad * s + 2.8729085735721942674e4
        ad = ad * s + 3.9307895800092710610e4
        ad = ad * s + 2.1213794301586595867e4
        ad = ad * s + 5.3941960214247511077e3
        ad = ad * s + 6.8718700749205790830e2
        ad = ad * s + 4.2313330701600911252e1
        ad = ad * s + 1.0
        return q * an / ad
    }

    /// The tail branches of PPND16 (r < 0.075), for `r` down to the smallest subnormal:
    /// t = √(−ln r), C/D in t − 1.6 for t ≤ 5, E/F in t − 5 beyond; the sign of q.
    @inline(__always)
    static func doubleTail(q: Double, r: Double) -> Double {
        let t = squareRoot(-FastLog.log(r))
        let near = t - 1.6
        var cn = 7.74545014278341407640e-4
        cn = cn * near + 2.27238449892691845833e-2
        cn = cn * near + 2.41780725177450611770e-1
        cn = cn * near + 1.27045825245236838258
        cn = cn * near + 3.64784832476320460504
        cn = cn * near + 5.76949722146069140550
        cn = cn * near + 4.63033784615654529590
        cn = cn * near + 1.42343711074968357734
        var cd = 1.05075007164441684324e-9
        cd = cd * near + 5.47593808499534494600e-4
        cd = cd * near + 1.51986665636164571966e-2
        cd = cd * near + 1.48103976427480074590e-1
        cd = cd * near + 6.89767334985100004550e-1
        cd = cd * near + 1.67638483018380384940
        cd = cd * near + 2.05319162663775882187
        cd = cd * near + 1.0
        let far = t - 5.0
        var en = 2.01033439929228813265e-7
        en = en * far + 2.71155556874348757815e-5
        en = en * far + 1.24266094738807843860e-3
        en = en * far + 2.65321895265761230930e-2
        en = en * far + 2.96560571828504891230e-1
        en = en * far + 1.78482653991729133580
        en = en * far + 5.46378491116411436990
        en = en * far + 6.65790464350110377720
        var ed = 2.04426310338993978564e-15
        ed = ed * far + 1.42151175831644588870e-7
        ed = ed * far + 1.84631831751005468180e-5
        ed = ed * far + 7.86869131145613259100e-4
        ed = ed * far + 1.48753612908506148525e-2
        ed = ed * far + 1.36929880922735805310e-1
        ed = ed * far + 5.99832206555887937690e-1
        ed = ed * far + 1.0
        let isFar = t > 5.0
        let x = (isFar ? en : cn) / (isFar ? ed : cd)
        return q < 0 ? -x : x
    }

    /// Φ⁻¹(p) for float64 output (all of PPND16).
    @inline(__always)
    static func double(q: Double, r: Double) -> Double {
        r >= 0.075 ? doubleCentral(q: q) : doubleTail(q: q, r: r)
    }

    // MARK: float32: AS 241 PPND7

    /// The branch of PPND7 for |q| ≤ 0.425 (r ≥ 0.075): q·A(s)/B(s), s = 0.180625 − q².
    @inline(__always)
    static func floatCentral(q: Float) -> Float {
        let s: Float = 0.180625 - q * q
        let an = q * (((5.9109374720e1 * s + 1.5929113202e2) * s + 5.0434271938e1) * s + 3.3871327179)
        let ad = ((6.7187563600e1 * s + 7.8757757664e1) * s + 1.7895169469e1) * s + 1
        return an / ad
    }

    /// The tail branches of PPND7 (r < 0.075), for `r` down to the smallest normal float:
    /// t = √(−ln r), C/D in t − 1.6 for t ≤ 5, E/F in t − 5 beyond; the sign of q.
    @inline(__always)
    static func floatTail(q: Float, r: Float) -> Float {
        let t = squareRoot(-FastLog.log(r))
        let near = t - 1.6
        let cn = ((1.7023821103e-1 * near + 1.3067284816) * near + 2.7568153900) * near + 1.4234372777
        let cd = (1.2021132975e-1 * near + 7.3700164250e-1) * near + 1
        let far = t - 5
        let en = ((1.7337203997e-2 * far + 4.2868294337e-1) * far + 3.0812263860) * far + 6.6579051150
        let ed = (1.2258202635e-2 * far + 2.4197894225e-1) * far + 1
        let isFar = t > 5
        let x = (isFar ? en : cn) / (isFar ? ed : cd)
        return q < 0 ? -x : x
    }

    // MARK: Square roots

    /// √x for x ≥ 0. The explicit guard tells the optimiser that libm's `sqrtf` cannot set
    /// `errno`, which lets it use the vector square-root instruction: on Linux `squareRoot()`
    /// otherwise compiles to a call that stops the loop from vectorising.
    @inline(__always)
    static func squareRoot(_ x: Float) -> Float { (x < 0 ? 0 : x).squareRoot() }

    /// √x for x ≥ 0 (see the float32 version).
    @inline(__always)
    static func squareRoot(_ x: Double) -> Double { (x < 0 ? 0 : x).squareRoot() }

    /// Φ⁻¹(p) for float32 output (all of PPND7). The samplers evaluate the two branches in
    /// separate passes (`floatCentral` for every value, `floatTail` for the 15 % in the tails)
    /// with the same operations, so the values are the same as this function's.
    @inline(__always)
    static func float(q: Float, r: Float) -> Float {
        r >= 0.075 ? floatCentral(q: q) : floatTail(q: q, r: r)
    }
}

/// Natural logarithms written with bit operations and polynomials only, so loops that use them
/// vectorise (a call to libm's `log` would not). Inputs are positive and finite.
enum FastLog {
    /// ln x for float64 (fdlibm `e_log.c`; error below 1 ulp), subnormal inputs included.
    @inline(__always)
    static func log(_ input: Double) -> Double {
        let isSubnormal = input < 2.2250738585072014e-308
        let x = isSubnormal ? input * 18_014_398_509_481_984.0 : input  // × 2⁵⁴
        let bits = x.bitPattern
        var k = Int32(truncatingIfNeeded: bits &>> 52) &- 1023 &- (isSubnormal ? 54 : 0)
        // m in [1, 2); fold to [√2/2, √2) so that f = m − 1 is small.
        var m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
        let isLarge = m > 1.4142135623730951
        m = isLarge ? m * 0.5 : m
        k = isLarge ? k &+ 1 : k
        let f = m - 1.0
        let dk = Double(k)
        let s = f / (2.0 + f)
        let z = s * s
        let w = z * z
        let t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01))
        let t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01
            + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)))
        let rr = t2 + t1
        let hfsq = 0.5 * f * f
        // ln2 split in a high part with trailing zeros and a low part (fdlibm ln2_hi, ln2_lo).
        return dk * 6.93147180369123816490e-01
            - ((hfsq - (s * (hfsq + rr) + dk * 1.90821492927058770002e-10)) - f)
    }

    /// ln x for float32 (Cephes `logf`; error about 1 ulp) for normal inputs.
    @inline(__always)
    static func log(_ x: Float) -> Float {
        let bits = x.bitPattern
        // x = m·2^e with m in [0.5, 1); fold to [√2/2, √2) and take m − 1.
        var e = Float(Int32(bitPattern: (bits &>> 23) & 0xFF) &- 126)
        var m = Float(bitPattern: (bits & 0x807F_FFFF) | 0x3F00_0000)
        let isSmall = m < 0.707106781186547524
        e = isSmall ? e - 1 : e
        m = isSmall ? m + m - 1 : m - 1
        let z = m * m
        var y: Float = 7.0376836292e-2
        y = y * m - 1.1514610310e-1
        y = y * m + 1.1676998740e-1
        y = y * m - 1.2420140846e-1
        y = y * m + 1.4249322787e-1
        y = y * m - 1.6668057665e-1
        y = y * m + 2.0000714765e-1
        y = y * m - 2.4999993993e-1
        y = y * m + 3.3333331174e-1
        y = y * m * z
        // ln2 = 0.693359375 − 2.12194440e-4, the first part exact in few bits.
        y = y + -2.12194440e-4 * e
        y = y + -0.5 * z
        return m + y + 0.693359375 * e
    }
}
