// Workgroup-wide reductions: subgroup ops inside each subgroup, then one shared slot per subgroup.
// Include after declaring `WG` (the workgroup size constant). gl_NumSubgroups is read at run time because the
// subgroup size differs between devices (8 on lavapipe, 32 on NVIDIA, 32/64 on AMD); a workgroup holds at most
// WG subgroups, so WG slots always suffice. Every invocation sums the slots itself, in the same order, so all of
// them get the bit-identical result without a second broadcast barrier. Call in uniform control flow only.
shared float reduce_f[WG];
shared uint reduce_u[WG];

float wg_sum(float v) {
    float s = subgroupAdd(v);
    if (subgroupElect()) reduce_f[gl_SubgroupID] = s;
    barrier();
    float t = 0.0;
    for (uint i = 0; i < gl_NumSubgroups; i++) t += reduce_f[i];
    barrier();
    return t;
}

float wg_max(float v) {
    float s = subgroupMax(v);
    if (subgroupElect()) reduce_f[gl_SubgroupID] = s;
    barrier();
    float t = reduce_f[0];
    for (uint i = 1; i < gl_NumSubgroups; i++) t = max(t, reduce_f[i]);
    barrier();
    return t;
}

uint wg_max_u(uint v) {
    uint s = subgroupMax(v);
    if (subgroupElect()) reduce_u[gl_SubgroupID] = s;
    barrier();
    uint t = reduce_u[0];
    for (uint i = 1; i < gl_NumSubgroups; i++) t = max(t, reduce_u[i]);
    barrier();
    return t;
}

uint wg_min_u(uint v) {
    uint s = subgroupMin(v);
    if (subgroupElect()) reduce_u[gl_SubgroupID] = s;
    barrier();
    uint t = reduce_u[0];
    for (uint i = 1; i < gl_NumSubgroups; i++) t = min(t, reduce_u[i]);
    barrier();
    return t;
}

// Row index of this workgroup when rows are spread over a 2D grid (more rows than maxComputeWorkGroupCount[0]).
uint wg_row() {
    return gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
}
