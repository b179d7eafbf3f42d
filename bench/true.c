/* The static `true` whose start-up time the bench measures. */
int main(void)
{
	return 0;
}
