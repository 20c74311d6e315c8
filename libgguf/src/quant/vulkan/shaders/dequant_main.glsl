// The entry point every dequantize shader shares: the invocation's piece
// from a two-dimensional dispatch (one dimension caps at 65535 workgroups on
// some devices), then dequantize_piece(unit's first byte, first value within
// the unit, index of that value in the output).
void main() {
    const uint piece = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (piece >= params.pieces) return;
    const uint per_unit = params.unit_values / params.piece_values;
    const uint unit = piece / per_unit;
    const uint first = (piece % per_unit) * params.piece_values;
    dequantize_piece(unit * params.unit_bytes, first, unit * params.unit_values + first);
}
