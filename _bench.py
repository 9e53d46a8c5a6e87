import time, mpmath, sys
import numerics.hp.gf_time as G
from numerics.mc import rates
def run(z, goal=0.5, want=104, a=1, b=1):
    t=time.time(); ball=G.certified_time(G.ExactFlow.from_inputs(z,a,b,goal), want); return ball, time.time()-t
z=list(rates.complex_weights(1000,1))
print("d1000", *run(z))
for d in (1,3,10):
    for g in (1e-8,1e-30):
        print(d, g, *run([0.5]*d, g))
print("0.5j 1e-10", *run([0.5j], 1e-10))
